/**
 * @module The one PostgreSQL connection pool (npm:pg), bounded, behind the small interface the
 * repositories and the telemetry wrapper use: a query with `$n` parameters, a transaction, a
 * cross-instance advisory lock, pool counts, and errors in the port's words.
 */

import pg from "pg";
import { StoreUnavailableError } from "../store.ts";

/** A value bound to a `$n` parameter. */
export type PgValue = string | number | null;

/**
 * True when one of `values` holds U+0000, which PostgreSQL text cannot hold: such a value
 * matches no stored one, so a lookup by it answers "none" without asking (PostgreSQL would
 * refuse the statement, where SQLite simply finds nothing).
 */
export function holdsNul(...values: readonly (string | number | null | undefined)[]): boolean {
  return values.some((value) => typeof value === "string" && value.includes("\0"));
}

/** A row as the driver hands it back (int8 parsed to a number). */
export type PgRow = Record<string, unknown>;

/** Something that runs statements: the pool, or one open transaction. */
export interface PgSession {
  /** Runs one statement with `$1…$n` bound to `params`; resolves with its rows. */
  query(sql: string, params?: readonly PgValue[]): Promise<PgRow[]>;
  /** Runs one statement that returns no rows; resolves with how many rows it changed. */
  execute(sql: string, params?: readonly PgValue[]): Promise<number>;
}

/** How many connections the pool holds (the driver's own counts). */
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
  /**
   * Runs `body` in one transaction: committed when it resolves, rolled back when it rejects.
   * `wrap` decorates the transaction's session before BEGIN (telemetry: BEGIN, COMMIT and
   * ROLLBACK become spans like every statement).
   */
  transaction<T>(
    body: (tx: PgSession) => Promise<T>,
    wrap?: (session: PgSession) => PgSession,
  ): Promise<T>;
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

/**
 * Socket error codes and SQLSTATEs (besides class 08, connection exception) that mean "the
 * server is not there", not "this statement".
 */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
]);

/** Connection failures that carry no code, recognised by the driver's words. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/;

/** True when `error` says the server did not answer (as opposed to refusing a statement). */
export function isUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = "code" in error ? String(error.code) : "";
  if (UNAVAILABLE_CODES.has(code) || code.startsWith("08")) return true;
  if (code === "" && error instanceof Error && UNAVAILABLE_MESSAGES.test(error.message)) {
    return true;
  }
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
  // The driver lets the connection string's fields win over separate ones, so the password
  // from elsewhere goes into a copy of the URL (the setter percent-encodes it).
  const withPassword = new URL(options.url);
  if (options.password !== undefined) withPassword.password = options.password;
  const pool = new pg.Pool({
    connectionString: withPassword.href,
    max: options.poolSize,
    connectionTimeoutMillis: (options.connectTimeoutSeconds ?? 5) * 1000,
    application_name: "otel-board",
    // int8 (identity ids, count(*)) as a number, as SQLite answers them.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID
          ? Number
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server closed (a restart) is dropped; the next query opens another. The
  // driver also emits the loss on the connection itself: without a listener there, Node's
  // events rule ends the process. Queries on it still reject, and say so in the port's words.
  pool.on("error", () => {});
  pool.on("connect", (client) => void client.on("error", () => {}));
  const sessionOver = (runner: pg.Pool | pg.PoolClient): PgSession => ({
    query: async (text, params = []) =>
      (await runner.query(text, params.length === 0 ? undefined : [...params])).rows,
    execute: async (text, params = []) =>
      (await runner.query(text, params.length === 0 ? undefined : [...params])).rowCount ?? 0,
  });
  const inPortWords = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw pgStoreError(error);
    }
  };
  /** Runs `work` on one connection of its own, destroyed instead of reused if it broke. */
  const onOneConnection = <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
    inPortWords(async () => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        return await work(client);
      } catch (error) {
        if (isUnavailable(error)) broken = error as Error;
        throw error;
      } finally {
        client.release(broken);
      }
    });
  const poolSession = sessionOver(pool);
  return {
    database: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username),
    host: url.hostname,
    port: url.port === "" ? 5432 : Number(url.port),
    query: (text, params) => inPortWords(() => poolSession.query(text, params)),
    execute: (text, params) => inPortWords(() => poolSession.execute(text, params)),
    transaction: (body, wrap = (session) => session) =>
      onOneConnection(async (client) => {
        const tx = wrap(sessionOver(client));
        await tx.execute("BEGIN");
        try {
          const result = await body(tx);
          await tx.execute("COMMIT");
          return result;
        } catch (error) {
          await tx.execute("ROLLBACK").catch(() => {});
          throw error;
        }
      }),
    withAdvisoryLock: (key, body, wait) =>
      onOneConnection(async (client) => {
        const id = Math.trunc(key);
        if (wait) {
          await client.query(`SELECT pg_advisory_lock(${id})`);
        } else {
          const { rows } = await client.query(`SELECT pg_try_advisory_lock(${id}) AS locked`);
          if (rows[0]?.locked !== true) return undefined;
        }
        try {
          return await body();
        } finally {
          await client.query(`SELECT pg_advisory_unlock(${id})`).catch(() => {});
        }
      }),
    poolCounts: () => ({
      used: pool.totalCount - pool.idleCount,
      idle: pool.idleCount,
      max: options.poolSize,
    }),
    close: () => pool.end(),
  };
}

const INT8_OID = 20;
