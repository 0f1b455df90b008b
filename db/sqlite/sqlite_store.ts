/**
 * @module The SQLite engine behind the store port: repositories over one (instrumented)
 * connection, whose call-log writes and retention go to the background writer when it runs,
 * and transactions that keep every other caller out while they are open.
 */

import type { Database } from "../database.ts";
import type { Repositories, Store } from "../store.ts";
import { type Run, runNow, TransactionGate } from "./gate.ts";
import { sqliteLogApi } from "./log_api.ts";
import { sqlitePosts } from "./posts.ts";
import { sqliteSessions } from "./sessions.ts";
import { sqliteUsers } from "./users.ts";

/**
 * The store over `db` (as db/database.ts opened it, possibly wrapped by the background writer
 * and by telemetry/db_telemetry.ts: every statement still goes through `db`).
 */
export function createSqliteStore(db: Database): Store {
  const gate = new TransactionGate();
  // Built once: a transaction hands out the same repositories, which run at once.
  const inTransaction = repositories(db, runNow);
  return {
    ...repositories(db, gate.run),
    transaction: (body) => gate.transaction(db, () => body(inTransaction)),
    exclusive: (body) => body(),
    ping: () => gate.run(() => void db.prepare("SELECT count(*) FROM sqlite_schema").get()),
    close: () => runNow(() => db.close()),
  };
}

function repositories(db: Database, run: Run): Repositories {
  return {
    posts: sqlitePosts(db, run),
    users: sqliteUsers(db, run),
    sessions: sqliteSessions(db, run),
    logApi: sqliteLogApi(db, run),
  };
}
