/**
 * @module The PostgreSQL engine behind the store port: repositories over one bounded pool
 * (possibly wrapped by telemetry/pg_telemetry.ts), transactions on one pooled connection, and
 * work that must run on one instance at a time under an advisory lock.
 */

import type { Repositories, Store } from "../store.ts";
import type { PgDatabase, PgSession } from "./client.ts";
import { postgresLogApi } from "./log_api.ts";
import { PG_LOCKS } from "./migrations.ts";
import { postgresPosts } from "./posts.ts";
import { postgresSessions } from "./sessions.ts";
import { postgresUsers } from "./users.ts";

/** The store over `db`, whose schema migratePostgres brought up to date. */
export function createPostgresStore(db: PgDatabase): Store {
  const logApi = postgresLogApi(db);
  const over = (session: PgSession): Repositories => ({
    posts: postgresPosts(session),
    users: postgresUsers(session),
    sessions: postgresSessions(session),
    logApi,
  });
  return {
    ...over(db),
    transaction: (body) => db.transaction((tx) => body(over(tx))),
    exclusive: async (body) =>
      (await db.withAdvisoryLock(PG_LOCKS.migrations, async () => ({ value: await body() }), true))!
        .value,
    ping: async () => void await db.query("SELECT 1"),
    close: () => db.close(),
  };
}
