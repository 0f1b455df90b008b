/**
 * @module Batched writes on a worker thread with its own SQLite connection, so that a
 * commit — and the WAL checkpoint it may trigger — never blocks request handling.
 */

import type { Database, SqlValue } from "./database.ts";
import type { WorkerReply, WorkerRequest, WriterError } from "./background_writer_protocol.ts";

/** A worker that runs batches of one statement, each in its own transaction. */
export interface BackgroundWriter {
  /** Runs `sql` once per row in one transaction; rejects with SQLite's error (errcode kept). */
  runBatch(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<void>;
  /** False once the worker failed or was closed; callers then write in-thread. */
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
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Starts the worker and opens `path` in it.
 * @throws {Error} when the worker cannot start or open the file in time.
 */
export async function startBackgroundWriter(
  path: string,
  options: BackgroundWriterOptions,
): Promise<BackgroundWriter> {
  const worker = new Worker(new URL("./background_writer_worker.ts", import.meta.url), {
    type: "module",
  });
  const send = (request: WorkerRequest) => worker.postMessage(request);
  const waiting = new Map<number, Waiter>();
  let nextId = 1;
  let alive = true;
  let opened: Waiter | undefined;
  let closed: (() => void) | undefined;

  const stop = (reason: Error) => {
    alive = false;
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
        waiting.get(reply.id)?.resolve();
        waiting.delete(reply.id);
        return;
      case "failed":
        if (reply.id === 0) {
          opened?.reject(sqliteError(reply.error));
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
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      opened = { resolve, reject };
      timer = setTimeout(
        () => reject(new Error(`The background writer did not start within ${startTimeoutMs} ms`)),
        startTimeoutMs,
      );
      send({
        type: "open",
        path,
        busyTimeoutMs: options.busyTimeoutMs ?? 5000,
        synchronous: options.synchronous,
      });
    });
  } catch (error) {
    worker.terminate();
    throw error;
  } finally {
    clearTimeout(timer);
    opened = undefined;
  }

  return {
    get alive() {
      return alive;
    },
    runBatch(sql, rows) {
      if (!alive) return Promise.reject(new Error("The background writer is not running"));
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        send({ type: "batch", id, sql, rows });
      });
    },
    async close(timeoutMs) {
      if (!alive) return;
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
 * `db` with `runBatchInBackground` sent to `writer` while it runs (in-thread once it has
 * stopped, so rows are never stranded).
 */
export function withBackgroundWriter(db: Database, writer: BackgroundWriter): Database {
  return {
    ...db,
    runBatchInBackground: (sql, rows) =>
      writer.alive ? writer.runBatch(sql, rows) : db.runBatchInBackground(sql, rows),
  };
}

function sqliteError(error: WriterError): Error {
  const { message, ...fields } = error;
  return Object.assign(new Error(message), fields);
}
