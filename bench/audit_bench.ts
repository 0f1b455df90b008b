/**
 * @module `deno bench`: the call log's hot path over a migrated `:memory:` database —
 * `record()` of one call (its batch written every 100 calls, inside the measured time), and
 * a batch of 100 calls recorded and flushed in one transaction.
 */

import { memoryDb } from "../testing/memory_db.ts";
import { createSqliteStore } from "../db/sqlite/sqlite_store.ts";
import { type ApiCall, createLogApiWriter } from "../services/log_api_writer.ts";
import { createLogger } from "../telemetry/log.ts";

const { db } = memoryDb();
const logger = createLogger({
  level: "error",
  format: "json",
  serviceName: "bench",
  write: () => {},
});
// A long interval: only the explicit flushes below write, so each bench measures its own.
const audit = createLogApiWriter(createSqliteStore(db).logApi, { flushMs: 10_000, logger });
const started = Date.now();
const CALL: ApiCall = {
  clientIp: "127.0.0.1",
  userId: null,
  startTime: started,
  endTime: started + 1,
  durationMs: 0.734,
  method: "GET",
  path: "/board/10",
  query: "",
  status: 200,
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
};

let calls = 0;
Deno.bench({
  name: "log_api: record() one call (flush every 100 calls)",
  group: "log_api",
  baseline: true,
  async fn() {
    audit.record(CALL);
    if (++calls % 100 === 0) await audit.flush();
  },
});

Deno.bench({
  name: "log_api: record() 100 calls + flush() in one transaction",
  group: "log_api",
  async fn() {
    for (let i = 0; i < 100; i++) audit.record(CALL);
    await audit.flush();
  },
});

// Deno.bench has no teardown: stop the flush timer once every bench has run.
globalThis.addEventListener("unload", () => void audit.close(0));
