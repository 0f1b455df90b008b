/** @module Classifying SQLite errors: is it this row's fault, or the database's? */

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
