/**
 * @module The one PostgreSQL connection pool (npm:postgres), bounded, behind the small
 * interface the repositories and the telemetry wrapper use: a query with `$n` parameters, a
 * transaction, a cross-instance advisory lock, pool counts, and errors in the port's words.
 */

import postgres from "postgres";
import { StoreUnavailableError } from "../store.ts";

/** A value bound to a `$n` parameter. */
export type PgValue = string | number | null;

/** A row as the driver hands it back (int8 parsed to a number). */
export type PgRow = Record<string, unknown>;

/** Something that runs statements: the pool, or one open transaction. */
export interface PgSession {
  /** Runs one statement with `$1…$n` bound to `params`; resolves with its rows. */
  query(sql: string, params?: readonly PgValue[]): Promise<PgRow[]>;
  /** Runs one statement that returns no rows; resolves with how many rows it changed. */
  execute(sql: string, params?: readonly PgValue[]): Promise<number>;
}

/** How many connections the pool holds, counted by our wrapper (the driver shows none). */
export interface PgPoolCounts {
  readonly used: number;
  readonly idle: number;
  readonly max: number;
}

/** The pool, as the store and telemetry see it. */
export interface PgDatabase extends PgSession {
  /** The database name (`db.namespace`). */
  readonly database: string;
  readonly host: string;
  readonly port: number;
  /** Runs `body` in one transaction: committed when it resolves, rolled back when it rejects. */
  transaction<T>(body: (tx: PgSession) => Promise<T>): Promise<T>;
  /**
   * Runs `body` while holding the advisory lock `key` (one holder across every instance on the
   * database), on a connection of its own; `body` uses the pool as usual. With `wait: false`,
   * resolves undefined at once when another session holds it.
   */
  withAdvisoryLock<T>(key: number, body: () => Promise<T>, wait: boolean): Promise<T | undefined>;
  poolCounts(): PgPoolCounts;
  close(): Promise<void>;
}

/** How to reach the database. */
export interface PgConnectOptions {
  /** `postgres://user[:password]@host[:port]/database[?sslmode=…]`. */
  readonly url: string;
  /** Wins over the URL's password when given (PGPASSWORD, DATABASE_PASSWORD_FILE). */
  readonly password?: string;
  /** Most connections open at once (DATABASE_POOL_SIZE). */
  readonly poolSize: number;
  /** Seconds a connection attempt may take. */
  readonly connectTimeoutSeconds?: number;
}

/** SQLSTATE classes and driver codes that mean "the server is not there", not "this query". */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
]);

/** True when `error` says the server did not answer (as opposed to refusing a statement). */
export function isUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = "code" in error ? String(error.code) : "";
  if (UNAVAILABLE_CODES.has(code) || code.startsWith("08")) return true;
  // Deno's net errors, when the driver passes them on as they are.
  return error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset;
}

/** `error` in the store port's words: a server that does not answer → StoreUnavailableError. */
export function pgStoreError(error: unknown): unknown {
  if (!isUnavailable(error)) return error;
  return new StoreUnavailableError("The database does not answer", { cause: error });
}

/** Opens the bounded pool (lazily: no connection until the first statement). */
export function openPostgres(options: PgConnectOptions): PgDatabase {
  const url = new URL(options.url);
  const sql = postgres(options.url, {
    max: options.poolSize,
    ...(options.password === undefined ? {} : { password: options.password }),
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    onnotice: () => {},
    // int8 (bigserial ids, count(*)) as a number, as SQLite answers them.
    types: {
      int8: { to: 20, from: [20], serialize: (x: number) => String(x), parse: Number },
    },
    connection: { application_name: "otel-board" },
  });
  let inUse = 0;
  let opened = 0;
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    inUse++;
    opened = Math.min(Math.max(opened, inUse), options.poolSize);
    try {
      return await work();
    } catch (error) {
      // A server that went away closed every connection; the pool reopens them on demand.
      if (isUnavailable(error)) opened = 0;
      throw pgStoreError(error);
    } finally {
      inUse--;
    }
  };
  const sessionOver = (runner: postgres.Sql | postgres.TransactionSql): PgSession => ({
    query: (text, params = []) =>
      runner.unsafe(text, params as postgres.ParameterOrJSON<never>[]).then((rows) => [...rows]),
    execute: (text, params = []) =>
      runner.unsafe(text, params as postgres.ParameterOrJSON<never>[]).then((r) => r.count),
  });
  const pool = sessionOver(sql);
  return {
    database: decodeURIComponent(url.pathname.slice(1)) || url.username,
    host: url.hostname,
    port: url.port === "" ? 5432 : Number(url.port),
    query: (text, params) => track(() => pool.query(text, params)),
    execute: (text, params) => track(() => pool.execute(text, params)),
    transaction: (body) =>
      track(() =>
        sql.begin((tx) => body(sessionOver(tx))) as Promise<Awaited<ReturnType<typeof body>>>
      ),
    withAdvisoryLock: (key, body, wait) =>
      track(async () => {
        const reserved = await sql.reserve();
        try {
          if (wait) {
            await reserved.unsafe(`SELECT pg_advisory_lock(${Math.trunc(key)})`);
          } else {
            const [row] = await reserved.unsafe(
              `SELECT pg_try_advisory_lock(${Math.trunc(key)}) AS locked`,
            );
            if (row?.locked !== true) return undefined;
          }
          try {
            return await body();
          } finally {
            await reserved.unsafe(`SELECT pg_advisory_unlock(${Math.trunc(key)})`).catch(() => {});
          }
        } finally {
          reserved.release();
        }
      }),
    poolCounts: () => ({
      used: Math.min(inUse, options.poolSize),
      idle: Math.max(opened - inUse, 0),
      max: options.poolSize,
    }),
    close: () => sql.end({ timeout: 5 }),
  };
}
