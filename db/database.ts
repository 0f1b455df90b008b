/** @module Opening the SQLite file: safety checks, pragmas, migrations; the wrapper every query goes through. */

import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { APPLICATION_ID, MIGRATIONS } from "./migrations.ts";
import { errorMessage } from "../lib/error_message.ts";
import { registerSearchFunctions } from "./search_functions.ts";

/** A value that can be bound to a `?` placeholder. */
export type SqlValue = SQLInputValue;

/** A prepared statement; rows come back as plain objects keyed by column name. */
export interface Statement {
  all(...params: SqlValue[]): Record<string, SqlValue>[];
  get(...params: SqlValue[]): Record<string, SqlValue> | undefined;
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: SqlValue[]): Iterator<Record<string, SqlValue>>;
}

/**
 * The database as the rest of the service sees it. Every query goes through
 * `prepare` (statements are cached by SQL text), so one wrapper can observe them all.
 */
export interface Database {
  /** Absolute file path, or `:memory:`. */
  readonly path: string;
  /** A cached prepared statement for `sql`. */
  prepare(sql: string): Statement;
  /** Runs `sql` once per parameter row, all in one transaction (all rows or none). */
  runBatch(sql: string, rows: readonly (readonly SqlValue[])[]): void;
  /**
   * Like `runBatch`, but may run on another connection (db/background_writer.ts); settles
   * once the rows are committed (a plain database runs it at once).
   */
  runBatchInBackground(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<void>;
  /**
   * Runs one statement, like `prepare(sql).run(...)`, on the background connection when
   * there is one; gives the number of rows changed.
   */
  runInBackground(sql: string, params: readonly SqlValue[]): Promise<number>;
  /** The first row of a query, like `prepare(sql).get(...)`, on the background connection. */
  getInBackground(
    sql: string,
    params: readonly SqlValue[],
  ): Promise<Record<string, SqlValue> | undefined>;
  /**
   * Runs one transaction-control statement (`BEGIN IMMEDIATE`, `COMMIT`, `ROLLBACK`). The
   * transaction methods call it on `this`, so a wrapper that replaces it (the telemetry
   * wrapper) sees every transaction statement.
   */
  control(sql: TransactionStatement): void;
  /** Runs `fn` inside BEGIN IMMEDIATE … COMMIT, rolling back if it throws. */
  transaction<T>(fn: () => T): T;
  /**
   * Like `transaction`, for a body that awaits: the transaction stays open across its awaits,
   * so the caller must keep every other statement out until it settles (db/sqlite/gate.ts).
   */
  transactionAsync<T>(fn: () => Promise<T>): Promise<T>;
  /** Closes the file; further calls fail. */
  close(): void;
}

/** The statements that open and end a transaction. */
export type TransactionStatement = "BEGIN IMMEDIATE" | "COMMIT" | "ROLLBACK";

/** How to open the database. */
export interface OpenOptions {
  readonly synchronous: "normal" | "full";
  readonly busyTimeoutMs?: number;
  /**
   * A dry run: pending migrations and everything done through the connection stay in one
   * transaction that is never committed (`close` rolls it back), and a file that does not
   * exist is not created (a fresh in-memory database stands in for it).
   */
  readonly trial?: boolean;
}

/** The opened database and what start-up did to it. */
export interface OpenedDatabase {
  readonly db: Database;
  /** True when this start created the schema (a fresh file). */
  readonly created: boolean;
  /** Schema version before start-up (0 for a fresh file). */
  readonly fromVersion: number;
  /** Schema version now. */
  readonly version: number;
}

/** Why a database could not be opened; the file was left untouched. */
export class DatabaseOpenError extends Error {
  override name = "DatabaseOpenError";
}

/** The newest schema version this build knows. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/**
 * Opens (or creates) the database at `path`, refusing — without writing a byte — a file
 * that is not SQLite, belongs to another application, or has a newer schema; then sets
 * the pragmas and applies pending migrations.
 */
export function openDatabase(path: string, options: OpenOptions): OpenedDatabase {
  if (options.trial === true && path !== ":memory:" && !existsSync(path)) {
    return openDatabase(":memory:", options);
  }
  if (path !== ":memory:") inspectBeforeOpening(path);
  let raw: DatabaseSync;
  try {
    raw = new DatabaseSync(path);
  } catch (error) {
    throw new DatabaseOpenError(`Cannot open "${path}": ${errorMessage(error)}`);
  }
  try {
    const fromVersion = readVersion(raw);
    // The header cannot show a schema still in an uncheckpointed -wal; SQLite can.
    checkOwnership(path, {
      userVersion: fromVersion,
      applicationId: Number(raw.prepare("PRAGMA application_id").get()?.application_id ?? 0),
      schemaCookie: Number(raw.prepare("PRAGMA schema_version").get()?.schema_version ?? 0),
    });
    applyPragmas(raw, path, options);
    registerSearchFunctions(raw);
    const trial = options.trial === true;
    if (trial) raw.exec("BEGIN IMMEDIATE");
    migrate(raw, fromVersion, trial);
    // SQLite's advice for a new connection: analyse tables whose statistics are stale. On a
    // big file that takes tens of milliseconds, so a file's statistics are refreshed by the
    // background writer's connection instead (db/background_writer_worker.ts).
    if (path === ":memory:" && !trial) raw.exec("PRAGMA optimize = 0x10002");
    return {
      db: wrap(raw, path, trial),
      created: fromVersion === 0,
      fromVersion,
      version: SCHEMA_VERSION,
    };
  } catch (error) {
    raw.close();
    if (error instanceof DatabaseOpenError) throw error;
    throw new DatabaseOpenError(`Cannot prepare "${path}": ${errorMessage(error)}`);
  }
}

function inspectBeforeOpening(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    throw new DatabaseOpenError(`Cannot open "${path}": directory "${dir}" does not exist`);
  }
  if (!statSync(dir).isDirectory()) {
    throw new DatabaseOpenError(`Cannot open "${path}": "${dir}" is not a directory`);
  }
  if (!existsSync(path)) return;
  const stat = statSync(path);
  if (!stat.isFile()) throw new DatabaseOpenError(`Cannot open "${path}": not a regular file`);
  if (stat.size === 0) return;
  const header = readHeader(path);
  if (header === undefined) {
    throw new DatabaseOpenError(`Refusing "${path}": not a SQLite database`);
  }
  checkOwnership(path, header);
}

/** What the first 100 bytes of a SQLite file say (https://sqlite.org/fileformat.html). */
interface FileHeader {
  readonly userVersion: number;
  readonly applicationId: number;
  /** 0 until the first table is created. */
  readonly schemaCookie: number;
}

const SQLITE_MAGIC = "SQLite format 3\0";

// Reading the header, rather than opening the file, is the one check that provably writes
// nothing: no lock, no -wal or -shm file beside a file we may refuse.
function readHeader(path: string): FileHeader | undefined {
  const bytes = new Uint8Array(100);
  const file = Deno.openSync(path, { read: true });
  let filled = 0;
  try {
    while (filled < bytes.length) {
      const n = file.readSync(bytes.subarray(filled));
      if (n === null) break;
      filled += n;
    }
  } finally {
    file.close();
  }
  if (filled < bytes.length || new TextDecoder().decode(bytes.subarray(0, 16)) !== SQLITE_MAGIC) {
    return undefined;
  }
  const view = new DataView(bytes.buffer);
  return {
    schemaCookie: view.getUint32(40),
    userVersion: view.getUint32(60),
    applicationId: view.getUint32(68),
  };
}

function checkOwnership(path: string, header: FileHeader): void {
  const ours = header.applicationId === APPLICATION_ID;
  const empty = header.applicationId === 0 && header.userVersion === 0 &&
    header.schemaCookie === 0;
  if (!ours && !empty) {
    throw new DatabaseOpenError(
      `Refusing "${path}": it is a SQLite database of another application (no otel-board schema)`,
    );
  }
  if (header.userVersion > SCHEMA_VERSION) throw newerSchema(path, header.userVersion);
}

function newerSchema(path: string, version: number): DatabaseOpenError {
  return new DatabaseOpenError(
    `Refusing "${path}": its schema version ${version} is newer than this build's ` +
      `${SCHEMA_VERSION}; run the newer otel-board or restore a backup`,
  );
}

function applyPragmas(raw: DatabaseSync, path: string, options: OpenOptions): void {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  // node:sqlite ignores the constructor's timeout option, so set it here and read it back.
  raw.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  expectPragma(raw, "busy_timeout", busyTimeoutMs);
  if (path !== ":memory:") {
    raw.exec("PRAGMA journal_mode = WAL");
    expectPragma(raw, "journal_mode", "wal");
  }
  raw.exec(`PRAGMA synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
  expectPragma(raw, "synchronous", options.synchronous === "full" ? 2 : 1);
  raw.exec("PRAGMA foreign_keys = ON");
  expectPragma(raw, "foreign_keys", 1);
}

function expectPragma(raw: DatabaseSync, name: string, expected: string | number): void {
  const row = raw.prepare(`PRAGMA ${name}`).get() ?? {};
  const actual = Object.values(row)[0];
  if (String(actual).toLowerCase() !== String(expected)) {
    throw new DatabaseOpenError(`PRAGMA ${name} is ${String(actual)}, expected ${expected}`);
  }
}

function readVersion(raw: DatabaseSync): number {
  return Number(raw.prepare("PRAGMA user_version").get()?.user_version ?? 0);
}

/** Applies each pending migration in its own transaction, or all inside the open one (`trial`). */
function migrate(raw: DatabaseSync, fromVersion: number, trial: boolean): void {
  for (const migration of MIGRATIONS.slice(fromVersion)) {
    if (!trial) raw.exec("BEGIN IMMEDIATE");
    try {
      raw.exec(migration.sql);
      raw.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      raw.exec(`PRAGMA user_version = ${migration.version}`);
      if (!trial) raw.exec("COMMIT");
    } catch (error) {
      if (raw.isTransaction) raw.exec("ROLLBACK");
      throw new DatabaseOpenError(
        `Migration ${migration.version} (${migration.name}) failed: ${errorMessage(error)}`,
      );
    }
  }
}

function wrap(raw: DatabaseSync, path: string, trial: boolean): Database {
  const statements = new Map<string, StatementSync>();
  // A trial's transaction is open already: every transaction joins it.
  let depth = trial ? 1 : 0;
  const prepare = (sql: string): StatementSync => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = raw.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const db: Database = {
    path,
    prepare,
    runBatch(sql, rows) {
      const statement = prepare(sql);
      db.transaction(() => {
        for (const row of rows) statement.run(...row);
      });
    },
    runBatchInBackground: (sql, rows) => settled(() => db.runBatch(sql, rows)),
    runInBackground: (sql, params) => settled(() => Number(prepare(sql).run(...params).changes)),
    getInBackground: (sql, params) => settled(() => prepare(sql).get(...params)),
    control(sql) {
      // Prepared, not exec(): a failed statement's error then carries SQLite's errcode.
      prepare(sql).run();
    },
    // Method syntax on purpose: `this` is the database the call went through, so a wrapper
    // spreading these methods (telemetry/db_telemetry.ts) gets its own `control` called.
    transaction(fn) {
      // Nested calls join the outer transaction instead of failing on a second BEGIN.
      if (depth > 0) return fn();
      this.control("BEGIN IMMEDIATE");
      depth++;
      try {
        const result = fn();
        this.control("COMMIT");
        return result;
      } catch (error) {
        if (raw.isTransaction) this.control("ROLLBACK");
        throw error;
      } finally {
        depth--;
      }
    },
    async transactionAsync(fn) {
      if (depth > 0) return await fn();
      this.control("BEGIN IMMEDIATE");
      depth++;
      try {
        const result = await fn();
        this.control("COMMIT");
        return result;
      } catch (error) {
        if (raw.isTransaction) this.control("ROLLBACK");
        throw error;
      } finally {
        depth--;
      }
    },
    close() {
      statements.clear();
      if (trial && raw.isOpen && raw.isTransaction) raw.exec("ROLLBACK");
      if (raw.isOpen) raw.close();
    },
  };
  return db;
}

/** The result of `work`, run now, as a settled promise. */
function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}
