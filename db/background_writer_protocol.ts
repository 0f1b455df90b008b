/** @module Messages between db/background_writer.ts and its worker. */

import type { SQLInputValue } from "node:sqlite";

/** What the main thread asks of the worker. */
export type WorkerRequest =
  | {
    readonly type: "open";
    readonly path: string;
    readonly busyTimeoutMs: number;
    readonly synchronous: "normal" | "full";
  }
  | {
    readonly type: "batch";
    readonly id: number;
    readonly sql: string;
    readonly rows: readonly (readonly SQLInputValue[])[];
  }
  | { readonly type: "close" };

/** A SQLite error as it crosses the thread boundary (`errcode` decides retry or reject). */
export interface WriterError {
  readonly message: string;
  readonly code?: string;
  readonly errcode?: number;
  readonly errstr?: string;
}

/** What the worker answers. `failed` with id 0 means the connection could not be opened. */
export type WorkerReply =
  | { readonly type: "opened" }
  | { readonly type: "done"; readonly id: number }
  | { readonly type: "failed"; readonly id: number; readonly error: WriterError }
  | { readonly type: "closed" };
