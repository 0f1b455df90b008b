/**
 * @module Writes and housekeeping on a worker thread with its own SQLite connection — the
 * call log's batches, retention's deletes — so that a commit, the WAL checkpoint it may
 * trigger, or a long scan never blocks request handling.
 */

import { settlesWithin } from "../lib/settles_within.ts";
import type { Database, SqlValue } from "./database.ts";
import type {
  StatementOutcome,
  WorkerReply,
  WorkerRequest,
  WriterError,
} from "./background_writer_protocol.ts";

/** A worker that runs statements in the order it gets them: batches in one transaction each. */
export interface BackgroundWriter {
  /** Runs `sql` once per row in one transaction; rejects with SQLite's error (errcode kept). */
  runBatch(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<void>;
  /** Runs one statement on its own; resolves with the rows it changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
  /** Runs one query; resolves with its first row. */
  get(sql: string, params: readonly SqlValue[]): Promise<Record<string, SqlValue> | undefined>;
  /** True while the worker takes batches (not yet while it starts, nor once it stopped). */
  readonly alive: boolean;
  /** Lets the batches already sent finish (bounded), closes the connection, ends the worker. */
  close(timeoutMs: number): Promise<void>;
}

/** How the worker opens its connection (the main connection already migrated the file). */
export interface BackgroundWriterOptions {
  readonly synchronous: "normal" | "full";
  readonly busyTimeoutMs?: number;
  /** How long the worker may take to start and open the file. */
  readonly startTimeoutMs?: number;
}

interface Waiter {
  resolve(outcome?: StatementOutcome): void;
  reject(error: Error): void;
}

/**
 * Starts the worker and has it open `path`. Returns at once: `alive` turns true when the
 * worker is ready, and `ready` rejects (the worker is then ended) if it cannot start or
 * open the file within `startTimeoutMs`.
 */
export function startBackgroundWriter(
  path: string,
  options: BackgroundWriterOptions,
): BackgroundWriter & { readonly ready: Promise<void> } {
  const worker = new Worker(new URL("./background_writer_worker.ts", import.meta.url), {
    type: "module",
  });
  const send = (request: WorkerRequest) => worker.postMessage(request);
  const waiting = new Map<number, Waiter>();
  let nextId = 1;
  let state: "starting" | "running" | "stopped" = "starting";
  let opened: Waiter | undefined;
  let closed: (() => void) | undefined;

  const stop = (reason: Error) => {
    state = "stopped";
    worker.terminate();
    opened?.reject(reason);
    for (const waiter of waiting.values()) waiter.reject(reason);
    waiting.clear();
    closed?.();
  };
  worker.onmessage = ({ data: reply }: MessageEvent<WorkerReply>) => {
    switch (reply.type) {
      case "opened":
        opened?.resolve();
        return;
      case "done":
        waiting.get(reply.id)?.resolve(reply.outcome);
        waiting.delete(reply.id);
        return;
      case "failed":
        if (reply.id === 0) {
          stop(sqliteError(reply.error));
          return;
        }
        waiting.get(reply.id)?.reject(sqliteError(reply.error));
        waiting.delete(reply.id);
        return;
      case "closed":
        stop(new Error("The background writer is closed"));
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    stop(new Error(`The background writer stopped: ${event.message}`));
  };

  const startTimeoutMs = options.startTimeoutMs ?? 5000;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => stop(new Error(`The background writer did not start within ${startTimeoutMs} ms`)),
      startTimeoutMs,
    );
    opened = {
      resolve() {
        clearTimeout(timer);
        opened = undefined;
        state = "running";
        resolve();
      },
      reject(error) {
        clearTimeout(timer);
        opened = undefined;
        reject(error);
      },
    };
  });
  // Callers that never look at `ready` must not see an unhandled rejection.
  ready.catch(() => {});
  send({
    type: "open",
    path,
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    synchronous: options.synchronous,
  });

  /** Sends `request` under a fresh id; settles with the worker's answer to it. */
  const ask = (
    request: WorkerRequest & { type: "batch" | "statement" },
  ): Promise<StatementOutcome | undefined> => {
    if (state !== "running") {
      return Promise.reject(new Error("The background writer is not running"));
    }
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      send({ ...request, id });
    });
  };

  return {
    ready,
    get alive() {
      return state === "running";
    },
    runBatch: (sql, rows) => ask({ type: "batch", id: 0, sql, rows }).then(() => undefined),
    run: (sql, params) =>
      ask({ type: "statement", id: 0, sql, params, get: false })
        .then((outcome) => outcome !== undefined && "changes" in outcome ? outcome.changes : 0),
    get: (sql, params) =>
      ask({ type: "statement", id: 0, sql, params, get: true })
        .then((outcome) => outcome !== undefined && "row" in outcome ? outcome.row : undefined),
    async close(timeoutMs) {
      if (state === "starting") await settlesWithin(ready, timeoutMs);
      if (state !== "running") {
        if (state === "starting") stop(new Error("The background writer is closed"));
        return;
      }
      const done = new Promise<void>((resolve) => closed = resolve);
      send({ type: "close" });
      const timeout = setTimeout(
        () => stop(new Error(`The background writer did not close within ${timeoutMs} ms`)),
        timeoutMs,
      );
      await done;
      clearTimeout(timeout);
    },
  };
}

/**
 * `db` with its background work (`runBatchInBackground`, `runInBackground`,
 * `getInBackground`) sent to `writer` while it runs — in-thread while it starts or once it
 * has stopped, so nothing is stranded.
 */
export function withBackgroundWriter(db: Database, writer: BackgroundWriter): Database {
  return {
    ...db,
    runBatchInBackground: (sql, rows) =>
      writer.alive ? writer.runBatch(sql, rows) : db.runBatchInBackground(sql, rows),
    runInBackground: (sql, params) =>
      writer.alive ? writer.run(sql, params) : db.runInBackground(sql, params),
    getInBackground: (sql, params) =>
      writer.alive ? writer.get(sql, params) : db.getInBackground(sql, params),
  };
}

function sqliteError(error: WriterError): Error {
  const { message, ...fields } = error;
  return Object.assign(new Error(message), fields);
}
