/** @module SQLite result code names (`SQLITE_BUSY`), for `db.response.status_code` and `error.type`. */

// https://sqlite.org/rescode.html: the primary codes, by number.
const PRIMARY = [
  "SQLITE_OK",
  "SQLITE_ERROR",
  "SQLITE_INTERNAL",
  "SQLITE_PERM",
  "SQLITE_ABORT",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_NOMEM",
  "SQLITE_READONLY",
  "SQLITE_INTERRUPT",
  "SQLITE_IOERR",
  "SQLITE_CORRUPT",
  "SQLITE_NOTFOUND",
  "SQLITE_FULL",
  "SQLITE_CANTOPEN",
  "SQLITE_PROTOCOL",
  "SQLITE_EMPTY",
  "SQLITE_SCHEMA",
  "SQLITE_TOOBIG",
  "SQLITE_CONSTRAINT",
  "SQLITE_MISMATCH",
  "SQLITE_MISUSE",
  "SQLITE_NOLFS",
  "SQLITE_AUTH",
  "SQLITE_FORMAT",
  "SQLITE_RANGE",
  "SQLITE_NOTADB",
  "SQLITE_NOTICE",
  "SQLITE_WARNING",
] as const;

// The extended codes worth telling apart on a dashboard.
const EXTENDED: Readonly<Record<number, string>> = {
  261: "SQLITE_BUSY_RECOVERY",
  517: "SQLITE_BUSY_SNAPSHOT",
  773: "SQLITE_BUSY_TIMEOUT",
  262: "SQLITE_LOCKED_SHAREDCACHE",
  275: "SQLITE_CONSTRAINT_CHECK",
  787: "SQLITE_CONSTRAINT_FOREIGNKEY",
  1299: "SQLITE_CONSTRAINT_NOTNULL",
  1555: "SQLITE_CONSTRAINT_PRIMARYKEY",
  2067: "SQLITE_CONSTRAINT_UNIQUE",
};

/**
 * The name of the SQLite result code a `node:sqlite` error carries as `errcode`
 * (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`); undefined for an error without one.
 */
export function sqliteResultCodeName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("errcode" in error)) return undefined;
  const code = Number(error.errcode);
  if (!Number.isInteger(code) || code <= 0) return undefined;
  return EXTENDED[code] ?? PRIMARY[code & 0xff] ?? `SQLITE_${code}`;
}
