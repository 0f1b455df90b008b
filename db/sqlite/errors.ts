/** @module Classifying SQLite errors: is it this row's fault, or the database's? */

import { StoreBusyError } from "../store.ts";

const SQLITE_BUSY = 5;

const SQLITE_TOOBIG = 18;
const SQLITE_CONSTRAINT = 19;
const SQLITE_MISMATCH = 20;

/**
 * True when SQLite rejected the values of a statement (a CHECK, NOT NULL, type or size
 * violation): retrying the same row cannot succeed, other rows may.
 */
export function isRejectedRow(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("errcode" in error)) return false;
  const primary = Number(error.errcode) & 0xff;
  return primary === SQLITE_CONSTRAINT || primary === SQLITE_MISMATCH || primary === SQLITE_TOOBIG;
}

/**
 * `error` in the store port's words: SQLITE_BUSY (the file stayed locked by another
 * connection past busy_timeout) becomes a StoreBusyError with the SQLite error as its cause;
 * anything else is returned as it is.
 */
export function storeError(error: unknown): unknown {
  if (typeof error !== "object" || error === null || !("errcode" in error)) return error;
  if ((Number(error.errcode) & 0xff) !== SQLITE_BUSY) return error;
  return new StoreBusyError("The database is locked by another writer", { cause: error });
}
