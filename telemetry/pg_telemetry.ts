/**
 * @module One CLIENT span and one `db.client.operation.duration` measurement per PostgreSQL
 * statement, added by wrapping the pool every query goes through, and the pool's connection
 * counts as `db.client.connection.count` / `db.client.connection.max`.
 */

import { type Attributes, type Meter, SpanKind, type Tracer } from "@opentelemetry/api";
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from "@opentelemetry/semantic-conventions";
import { summarizeSql } from "../lib/sql_summary.ts";
import { DB_DURATION_BUCKETS } from "./buckets.ts";
import {
  ATTR_DB_CLIENT_CONNECTION_POOL_NAME,
  ATTR_DB_CLIENT_CONNECTION_STATE,
  ATTR_DB_RESPONSE_RETURNED_ROWS,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
  METRIC_DB_CLIENT_CONNECTION_COUNT,
  METRIC_DB_CLIENT_CONNECTION_MAX,
  OLD_DB,
} from "./semconv.ts";
import { fail } from "./traced.ts";

// The shapes below mirror db/postgres/client.ts structurally, so telemetry/ need not import db/.

/** Runs statements: the pool or one transaction. */
export interface InstrumentableSession {
  query(sql: string, params?: readonly never[]): Promise<unknown[]>;
  execute(sql: string, params?: readonly never[]): Promise<number>;
}

/** The pool as the store uses it. */
export interface InstrumentablePool<S extends InstrumentableSession> extends InstrumentableSession {
  readonly database: string;
  readonly host: string;
  readonly port: number;
  transaction<T>(body: (tx: S) => Promise<T>, wrap?: (session: S) => S): Promise<T>;
  poolCounts(): { used: number; idle: number; max: number };
}

/** Where statement telemetry goes. */
export interface PostgresTelemetryOptions {
  readonly databaseDup: boolean;
  /** Records the duration histogram and the pool gauges when given. */
  readonly meter?: Meter;
}

/**
 * The SQLSTATE of a PostgreSQL error (`23505`), or the driver's code (`ECONNREFUSED`), looked
 * for on the error and on its cause (the store wraps "server unavailable" errors).
 */
function codeOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; depth < 3 && typeof e === "object" && e !== null; depth++) {
    if ("code" in e && typeof e.code === "string") return e.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Wraps `db` so every statement (inside a transaction too) becomes a CLIENT span, child of the
 * active span, named by its `db.query.summary`, with the parameterised SQL (never the bound
 * values) and the server's address; plus a duration measurement and the pool gauges.
 */
export function instrumentPostgres<
  S extends InstrumentableSession,
  D extends InstrumentablePool<S>,
>(
  db: D,
  tracer: Tracer,
  options: PostgresTelemetryOptions,
): D {
  const duration = options.meter?.createHistogram("db.client.operation.duration", {
    unit: "s",
    description: "Duration of database client operations.",
    advice: { explicitBucketBoundaries: [...DB_DURATION_BUCKETS] },
  });
  const poolName = `${db.host}:${db.port}/${db.database}`;
  options.meter?.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_COUNT, {
    unit: "{connection}",
    description: "The number of connections that are currently in the state described.",
  }).addCallback((result) => {
    const { used, idle } = db.poolCounts();
    result.observe(used, {
      [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: poolName,
      [ATTR_DB_CLIENT_CONNECTION_STATE]: "used",
    });
    result.observe(idle, {
      [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: poolName,
      [ATTR_DB_CLIENT_CONNECTION_STATE]: "idle",
    });
  });
  options.meter?.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_MAX, {
    unit: "{connection}",
    description: "The maximum number of open connections allowed.",
  }).addCallback((result) => {
    result.observe(db.poolCounts().max, { [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: poolName });
  });

  const shapes = new Map<string, { name: string; attributes: Attributes; metric: Attributes }>();
  const shapeOf = (sql: string) => {
    let shape = shapes.get(sql);
    if (shape === undefined) {
      shape = describePostgresStatement(sql, db, options.databaseDup);
      shapes.set(sql, shape);
    }
    return shape;
  };

  async function observe<R>(
    sql: string,
    call: () => Promise<R>,
    rows?: (r: R) => number,
  ): Promise<R> {
    const shape = shapeOf(sql);
    const span = tracer.startSpan(shape.name, {
      kind: SpanKind.CLIENT,
      attributes: shape.attributes,
    });
    const started = performance.now();
    try {
      const result = await call();
      if (rows !== undefined) span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, rows(result));
      duration?.record((performance.now() - started) / 1000, shape.metric);
      return result;
    } catch (error) {
      fail(span, error);
      const code = codeOf(error);
      const type = code ?? (error instanceof Error ? error.name : "Error");
      span.setAttribute(ATTR_ERROR_TYPE, type);
      if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
        span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, code);
      }
      duration?.record((performance.now() - started) / 1000, {
        ...shape.metric,
        [ATTR_ERROR_TYPE]: type,
      });
      throw error;
    } finally {
      span.end();
    }
  }

  const wrap = <T extends InstrumentableSession>(session: T): T => ({
    ...session,
    query: (sql: string, params?: readonly never[]) =>
      observe(sql, () => session.query(sql, params), (rows) => rows.length),
    execute: (sql: string, params?: readonly never[]) =>
      observe(sql, () => session.execute(sql, params)),
  });
  return {
    ...db,
    ...wrap(db),
    // The transaction's session is wrapped before BEGIN, so BEGIN/COMMIT/ROLLBACK are spans too.
    transaction: <T>(body: (tx: S) => Promise<T>) => db.transaction(body, wrap),
    poolCounts: () => db.poolCounts(),
  } as D;
}

/**
 * Span name and attributes of one PostgreSQL statement: named by its `db.query.summary`, with
 * `db.collection.name` only for a single-table statement, and where the server is.
 */
export function describePostgresStatement(
  sql: string,
  server: { readonly database: string; readonly host: string; readonly port: number },
  dup: boolean,
): { name: string; attributes: Attributes; metric: Attributes } {
  const { summary, operation, collection } = summarizeSql(sql);
  const text = sql.replace(/\s+/g, " ").trim();
  const metric: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
    [ATTR_DB_OPERATION_NAME]: operation,
    [ATTR_DB_QUERY_SUMMARY]: summary,
    [ATTR_DB_NAMESPACE]: server.database,
    [ATTR_SERVER_ADDRESS]: server.host,
    [ATTR_SERVER_PORT]: server.port,
    ...(collection === undefined ? {} : { [ATTR_DB_COLLECTION_NAME]: collection }),
  };
  const attributes: Attributes = { ...metric, [ATTR_DB_QUERY_TEXT]: text };
  if (dup) {
    attributes[OLD_DB.system] = DB_SYSTEM_NAME_VALUE_POSTGRESQL;
    attributes[OLD_DB.name] = server.database;
    attributes[OLD_DB.statement] = text;
    attributes[OLD_DB.operation] = operation;
    if (collection !== undefined) attributes[OLD_DB.table] = collection;
  }
  return { name: summary, attributes, metric };
}
