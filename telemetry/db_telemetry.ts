/**
 * @module One CLIENT span and one `db.client.operation.duration` measurement per SQLite
 * statement, added by wrapping the database every query goes through, so query functions
 * never build spans by hand.
 */

import {
  type Attributes,
  type Histogram,
  type Meter,
  type Span,
  SpanKind,
  type Tracer,
} from "@opentelemetry/api";
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
} from "@opentelemetry/semantic-conventions";
import { DB_DURATION_BUCKETS } from "./buckets.ts";
import { ATTR_DB_RESPONSE_RETURNED_ROWS, DB_SYSTEM_NAME_VALUE_SQLITE, OLD_DB } from "./semconv.ts";
import { summarizeSql } from "../lib/sql_summary.ts";
import { sqliteResultCodeName } from "./sqlite_result_codes.ts";
import { fail } from "./traced.ts";

// The shapes below mirror db/database.ts structurally, so telemetry/ need not import db/.

/** A prepared statement as the service uses it. */
export interface InstrumentableStatement {
  all(...params: never[]): unknown[];
  get(...params: never[]): unknown;
  run(...params: never[]): unknown;
  iterate(...params: never[]): Iterator<unknown>;
}

/** A database as the service uses it. */
export interface InstrumentableDatabase<S extends InstrumentableStatement> {
  readonly path: string;
  prepare(sql: string): S;
  /** BEGIN IMMEDIATE, COMMIT, ROLLBACK; the database's transaction methods call it on `this`. */
  control(sql: "BEGIN IMMEDIATE" | "COMMIT" | "ROLLBACK"): void;
  runBatch(sql: string, rows: readonly (readonly unknown[])[]): void;
  runBatchInBackground(sql: string, rows: readonly (readonly unknown[])[]): Promise<void>;
  runInBackground(sql: string, params: readonly never[]): Promise<number>;
  getInBackground(sql: string, params: readonly never[]): Promise<unknown>;
}

/** What a statement's span is named and tagged with, parsed once per SQL text. */
interface StatementShape {
  readonly name: string;
  readonly attributes: Attributes;
  /** The low-cardinality attributes of the duration metric (no query text). */
  readonly metricAttributes: Attributes;
  readonly operation: string;
}

/** Where statement telemetry goes. */
export interface DatabaseTelemetryOptions {
  readonly databaseDup: boolean;
  /** Records `db.client.operation.duration` when given. */
  readonly meter?: Meter;
}

/**
 * Wraps `db` so every statement execution (and every `runBatch`, as one span) becomes a
 * CLIENT span, child of the active span, named by its `db.query.summary`, with the parameterised SQL
 * and never the bound values; and a `db.client.operation.duration` measurement.
 */
export function instrumentDatabase<
  S extends InstrumentableStatement,
  D extends InstrumentableDatabase<S>,
>(db: D, tracer: Tracer, options: DatabaseTelemetryOptions): D {
  const duration: Histogram | undefined = options.meter?.createHistogram(
    "db.client.operation.duration",
    {
      unit: "s",
      description: "Duration of database client operations.",
      advice: { explicitBucketBoundaries: [...DB_DURATION_BUCKETS] },
    },
  );
  const measure = (attributes: Attributes, started: number, error: unknown) => {
    if (duration === undefined) return;
    const measured = error === undefined
      ? attributes
      : { ...attributes, [ATTR_ERROR_TYPE]: errorType(error) };
    duration.record((performance.now() - started) / 1000, measured);
  };
  const shapes = new Map<string, StatementShape>();
  const shapeOf = (sql: string): StatementShape => {
    let shape = shapes.get(sql);
    if (shape === undefined) {
      shape = describeStatement(sql, db.path, options.databaseDup);
      shapes.set(sql, shape);
    }
    return shape;
  };
  const start = (shape: StatementShape, name = shape.name, extra?: Attributes): Span =>
    tracer.startSpan(name, {
      kind: SpanKind.CLIENT,
      attributes: extra === undefined ? shape.attributes : { ...shape.attributes, ...extra },
    });

  /**
   * Runs `call` inside `span`, then ends it and records the duration under `measured` —
   * at once, or, for a call that settles later (work on the background connection), when
   * its promise settles: the span lasts as long as the work, wherever it happens.
   */
  function observe<R>(
    span: Span,
    measured: Attributes,
    call: () => R,
    rows: (r: Awaited<R>) => number | undefined = () => undefined,
  ): R {
    const started = performance.now();
    const succeeded = (result: Awaited<R>) => {
      const count = rows(result);
      if (count !== undefined) span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, count);
      span.end();
      measure(measured, started, undefined);
    };
    const failed = (error: unknown) => {
      failStatement(span, error);
      span.end();
      measure(measured, started, error);
    };
    let result: R;
    try {
      result = call();
    } catch (error) {
      failed(error);
      throw error;
    }
    if (!(result instanceof Promise)) {
      succeeded(result as Awaited<R>);
      return result;
    }
    return result.then((value: Awaited<R>) => {
      succeeded(value);
      return value;
    }, (error: unknown) => {
      failed(error);
      throw error;
    }) as R;
  }

  const traceCall = <R>(
    shape: StatementShape,
    call: () => R,
    rows: (r: R) => number | undefined,
  ): R => observe(start(shape), shape.metricAttributes, call, rows);

  function wrapStatement(sql: string, statement: S): S {
    const shape = shapeOf(sql);
    const wrapped: InstrumentableStatement = {
      all: (...params) => traceCall(shape, () => statement.all(...params), (rows) => rows.length),
      get: (...params) =>
        traceCall(shape, () => statement.get(...params), (row) => (row === undefined ? 0 : 1)),
      run: (...params) => traceCall(shape, () => statement.run(...params), () => undefined),
      iterate: (...params) =>
        traceIteration(
          start(shape),
          statement.iterate(...params),
          (started, error) => measure(shape.metricAttributes, started, error),
        ),
    };
    return wrapped as S;
  }

  const prepared = new Map<string, S>();
  return {
    ...db,
    path: db.path,
    control(sql: "BEGIN IMMEDIATE" | "COMMIT" | "ROLLBACK"): void {
      const shape = shapeOf(sql);
      observe(start(shape), shape.metricAttributes, () => db.control(sql));
    },
    prepare(sql: string): S {
      let statement = prepared.get(sql);
      if (statement === undefined) {
        statement = wrapStatement(sql, db.prepare(sql));
        prepared.set(sql, statement);
      }
      return statement;
    },
    runBatch(sql: string, rows: readonly (readonly unknown[])[]): void {
      const batch = startBatch(sql, rows.length);
      observe(batch.span, batch.measured, () => db.runBatch(sql, rows));
    },
    runBatchInBackground(
      sql: string,
      rows: readonly (readonly unknown[])[],
    ): Promise<void> {
      const batch = startBatch(sql, rows.length);
      return observe(batch.span, batch.measured, () => db.runBatchInBackground(sql, rows));
    },
    runInBackground(sql: string, params: readonly never[]): Promise<number> {
      const shape = shapeOf(sql);
      return observe(start(shape), shape.metricAttributes, () => db.runInBackground(sql, params));
    },
    getInBackground(sql: string, params: readonly never[]): Promise<unknown> {
      const shape = shapeOf(sql);
      return observe(
        start(shape),
        shape.metricAttributes,
        () => db.getInBackground(sql, params),
        (row) => (row === undefined ? 0 : 1),
      );
    },
  } as D;

  /** One span (and one measurement) for a whole batch: `BATCH INSERT log_api`. */
  function startBatch(sql: string, size: number): { span: Span; measured: Attributes } {
    const shape = shapeOf(sql);
    const operation = { [ATTR_DB_OPERATION_NAME]: `BATCH ${shape.operation}` };
    const span = start(shape, `BATCH ${shape.name}`, {
      ...operation,
      [ATTR_DB_OPERATION_BATCH_SIZE]: size,
    });
    return { span, measured: { ...shape.metricAttributes, ...operation } };
  }
}

/** Ends `span` when the iteration finishes, is abandoned, or fails; counts the rows. */
function* traceIteration(
  span: Span,
  rows: Iterator<unknown>,
  measured: (started: number, error: unknown) => void,
): Iterator<unknown> {
  const started = performance.now();
  let count = 0;
  let failure: unknown;
  try {
    for (let next = rows.next(); !next.done; next = rows.next()) {
      count++;
      yield next.value;
    }
  } catch (error) {
    failure = error;
    failStatement(span, error);
    throw error;
  } finally {
    span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, count);
    span.end();
    measured(started, failure);
  }
}

/**
 * The `error.type` of a failed statement: SQLite's result code name (`SQLITE_BUSY`) when the
 * error carries one, else its `code`, else its class name.
 */
function errorType(error: unknown): string {
  const resultCode = sqliteResultCodeName(error);
  if (resultCode !== undefined) return resultCode;
  if (typeof error === "object" && error !== null && "code" in error) return String(error.code);
  return error instanceof Error ? error.name : "Error";
}

/** Marks a statement's span failed, with `db.response.status_code` when SQLite named one. */
function failStatement(span: Span, error: unknown): void {
  fail(span, error);
  span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
  const resultCode = sqliteResultCodeName(error);
  if (resultCode !== undefined) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, resultCode);
}

/**
 * Span name and attributes of one SQL text: named by its `db.query.summary` (`SELECT board
 * users`, `INSERT log_api`), with `db.collection.name` only for a single-table statement.
 */
export function describeStatement(sql: string, path: string, dup: boolean): StatementShape {
  const { summary, operation, collection: table } = summarizeSql(sql);
  const text = sql.replace(/\s+/g, " ").trim();
  const attributes: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_SQLITE,
    [ATTR_DB_NAMESPACE]: path,
    [ATTR_DB_QUERY_TEXT]: text,
    [ATTR_DB_QUERY_SUMMARY]: summary,
    [ATTR_DB_OPERATION_NAME]: operation,
  };
  if (table !== undefined) attributes[ATTR_DB_COLLECTION_NAME] = table;
  const metricAttributes: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_SQLITE,
    [ATTR_DB_OPERATION_NAME]: operation,
    [ATTR_DB_QUERY_SUMMARY]: summary,
    ...(table === undefined ? {} : { [ATTR_DB_COLLECTION_NAME]: table }),
  };
  if (dup) {
    attributes[OLD_DB.system] = DB_SYSTEM_NAME_VALUE_SQLITE;
    attributes[OLD_DB.name] = path;
    attributes[OLD_DB.statement] = text;
    attributes[OLD_DB.operation] = operation;
    if (table !== undefined) attributes[OLD_DB.table] = table;
  }
  return {
    name: summary,
    attributes,
    metricAttributes,
    operation,
  };
}
