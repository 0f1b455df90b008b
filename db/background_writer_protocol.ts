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
  | {
    readonly type: "statement";
    readonly id: number;
    readonly sql: string;
    readonly params: readonly SQLInputValue[];
    /** A query: answer its first row (else: the number of rows changed). */
    readonly get: boolean;
  }
  | { readonly type: "close" };

/** What one statement gave: rows changed, or a query's first row. */
export type StatementOutcome =
  | { readonly changes: number }
  | { readonly row: Record<string, SQLInputValue> | undefined };

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
  | { readonly type: "done"; readonly id: number; readonly outcome?: StatementOutcome }
  | { readonly type: "failed"; readonly id: number; readonly error: WriterError }
  | { readonly type: "closed" };
