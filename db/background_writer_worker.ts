/**
 * @module The worker side of db/background_writer.ts: its own SQLite connection, which runs
 * what it is sent in the order it arrives — each batch in one transaction, each single
 * statement on its own — and answers once it is committed (or refused).
 */

import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { WorkerReply, WorkerRequest, WriterError } from "./background_writer_protocol.ts";
import { errorMessage } from "../lib/error_message.ts";

// Typed by hand: the deno.worker lib cannot be checked together with the main program.
interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let db: DatabaseSync | undefined;
const statements = new Map<string, StatementSync>();

scope.onmessage = ({ data: request }) => {
  switch (request.type) {
    case "open":
      try {
        db = new DatabaseSync(request.path);
        db.exec(`PRAGMA busy_timeout = ${Math.trunc(request.busyTimeoutMs)}`);
        db.exec(`PRAGMA synchronous = ${request.synchronous === "full" ? "FULL" : "NORMAL"}`);
        scope.postMessage({ type: "opened" });
        // Off the request thread: analyse the tables whose planner statistics are stale.
        db.exec("PRAGMA optimize = 0x10002");
      } catch (error) {
        scope.postMessage({ type: "failed", id: 0, error: describe(error) });
      }
      return;
    case "batch":
      try {
        runBatch(request.sql, request.rows);
        scope.postMessage({ type: "done", id: request.id });
      } catch (error) {
        scope.postMessage({ type: "failed", id: request.id, error: describe(error) });
      }
      return;
    case "statement":
      try {
        const statement = prepared(request.sql);
        const outcome = request.get
          ? { row: statement.get(...request.params) as Record<string, SQLInputValue> | undefined }
          : { changes: Number(statement.run(...request.params).changes) };
        scope.postMessage({ type: "done", id: request.id, outcome });
      } catch (error) {
        scope.postMessage({ type: "failed", id: request.id, error: describe(error) });
      }
      return;
    case "close":
      statements.clear();
      if (db?.isOpen) db.close();
      scope.postMessage({ type: "closed" });
      scope.close();
  }
};

function connection(): DatabaseSync {
  if (db === undefined || !db.isOpen) throw new Error("The background connection is not open");
  return db;
}

function prepared(sql: string): StatementSync {
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = connection().prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

function runBatch(sql: string, rows: readonly (readonly SQLInputValue[])[]): void {
  const database = connection();
  const statement = prepared(sql);
  database.exec("BEGIN IMMEDIATE");
  try {
    for (const row of rows) statement.run(...row);
    database.exec("COMMIT");
  } catch (error) {
    if (database.isTransaction) database.exec("ROLLBACK");
    throw error;
  }
}

function describe(error: unknown): WriterError {
  const fields = typeof error === "object" && error !== null
    ? error as { code?: unknown; errcode?: unknown; errstr?: unknown }
    : {};
  return {
    message: errorMessage(error),
    ...(typeof fields.code === "string" ? { code: fields.code } : {}),
    ...(typeof fields.errcode === "number" ? { errcode: fields.errcode } : {}),
    ...(typeof fields.errstr === "string" ? { errstr: fields.errstr } : {}),
  };
}
