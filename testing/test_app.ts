/**
 * @module An in-process app for tests and benchmarks, built through compose.ts over a fresh
 * :memory: database with in-memory telemetry exporters.
 */

import { composeServices, postgresStore, sqliteStore } from "../compose.ts";
import { type Config, loadConfig } from "../config/load.ts";
import type { Hono } from "hono";
import { type Database, openDatabase } from "../db/database.ts";
import type { AppEnv } from "../http/context.ts";
import { insertDemoPosts } from "../db/demo_posts.ts";
import type { LogApiRow } from "../db/log_api_schema.ts";
import type { Store } from "../db/store.ts";
import type { PgDatabase } from "../db/postgres/client.ts";
import { openPostgresDatabase } from "../db/postgres/open.ts";
import type { BoardService } from "../services/board.ts";
import type { LogApiWriter } from "../services/log_api_writer.ts";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { InMemoryLogRecordExporter, type ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { type MetricData, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { AccountsService } from "../services/accounts.ts";
import type { ProcessFacts } from "../telemetry/resource.ts";
import { startTelemetry } from "../telemetry/setup.ts";
import type { ExemplarReservoirs } from "../telemetry/exemplars.ts";
import { createLogger } from "../telemetry/log.ts";
import { memoryLogger } from "./loggers.ts";

/** Options for an in-process app: settings, plus the infrastructure a test injects. */
export interface TestAppOptions {
  /**
   * Settings written as the README writes them (`{ LOG_API_PUBLIC: "false" }`), over
   * {@link TEST_SETTINGS}. Telemetry is on exactly when they name an `OTEL_*` variable
   * (`OTEL_SDK_DISABLED: "false"` is the plain switch, `{ ...TELEMETRY }` the usual one); it
   * then exports into in-memory exporters, metrics and logs exporters defaulting to `none`.
   */
  readonly settings?: Readonly<Record<string, string>>;
  /** Seeds the in-memory database with the demo posts (default true). */
  readonly demoData?: boolean;
  /** Replaces parts of the board service (to make it fail, for example). */
  readonly board?: Partial<BoardService>;
  /** Clock for accounts (session expiry). */
  readonly now?: () => Date;
  /**
   * A session lifetime over SESSION_TTL's 400-day cap, which the setting refuses: only for the
   * test that the cookie caps its own lifetime.
   */
  readonly sessionTtlMsPastCap?: number;
  /** A database file instead of :memory: (so a second connection can lock it). */
  readonly databaseFile?: string;
  /** How long a statement waits for another connection's lock (db/database.ts's option). */
  readonly busyTimeoutMs?: number;
  /**
   * Runs over PostgreSQL at this URL (testing/postgres.ts `freshDatabase()`), as DATABASE_URL
   * does, instead of SQLite; two apps on one URL are two instances on one database.
   */
  readonly postgresUrl?: string;
}

/** An in-process app over a fresh :memory: database (`await using` when tracing). */
export interface TestApp extends Disposable, AsyncDisposable {
  /** The SQLite database under the store, for checks in raw SQL (throws over PostgreSQL). */
  readonly db: Database;
  /** The PostgreSQL pool under the store (undefined over SQLite), for checks in raw SQL. */
  readonly pg: PgDatabase | undefined;
  /** Which engine the store runs on. */
  readonly engine: "sqlite" | "postgres";
  readonly store: Store;
  /** The composed app, for checks over its routes. */
  readonly app: Hono<AppEnv>;
  readonly logApiWriter: LogApiWriter;
  readonly logLines: string[];
  /** Every span finished so far (after a flush); empty with telemetry off. */
  finishedSpans(): Promise<ReadableSpan[]>;
  /** Every OTLP log record emitted so far (after a flush); empty with telemetry off. */
  finishedLogs(): Promise<ReadableLogRecord[]>;
  /** One metric collection, flattened by metric name; empty with telemetry off. */
  collectMetrics(): Promise<Map<string, MetricData>>;
  /** One metric collection as the SDK hands it to exporters; `undefined` with telemetry off. */
  collectResourceMetrics(): Promise<ResourceMetrics | undefined>;
  /** The histograms' exemplar reservoirs; `undefined` with telemetry off. */
  readonly exemplars: ExemplarReservoirs | undefined;
  /** Sends a request as if from `peer` (default 203.0.113.7, an untrusted client). */
  request(path: string, init?: RequestInit, peer?: string): Promise<Response>;
  /** Writes pending call-log rows and returns every log_api row, oldest first. */
  logRows(): Promise<LogApiRow[]>;
  /** Registers `username` (password `username` + "-password-1") and signs in; returns the token. */
  signUp(username: string, role?: "user" | "admin"): Promise<string>;
  readonly accounts: AccountsService;
  /** Turns /readyz to 503, as a stop request does. */
  startDraining(): void;
}

/** The password `signUp` gives a user. */
export function passwordOf(username: string): string {
  return `${username}-password-1`;
}

/** A reader that collects when a test asks. */
export class TestMetricReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Fixed process facts for resources built in tests. */
export const TEST_PROCESS: ProcessFacts = {
  hostname: "test-host",
  arch: "x86_64",
  os: "linux",
  pid: 4242,
  denoVersion: Deno.version.deno,
  instanceId: "test-instance",
};

/**
 * The settings every in-process app starts from, written as the README writes them: call-log
 * rows written quickly, no background pruning under a test's feet (retention has its own
 * tests), GET /log open (most tests read it), rate limits only rate tests hit, telemetry off.
 */
const TEST_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  DB_PATH: ":memory:",
  LOG_API_FLUSH_MS: "5",
  LOG_API_RETENTION_DAYS: "0",
  LOG_API_MAX_ROWS: "0",
  LOG_API_PUBLIC: "true",
  SESSION_TTL: "1h",
  RATE_LIMIT_LOGIN: "1000/1m",
  RATE_LIMIT_LOGIN_USER: "1000/1m",
  RATE_LIMIT_REGISTER: "1000/1m",
  RATE_LIMIT_POST: "1000/1m",
  RATE_LIMIT_SEARCH: "1000/1m",
  OTEL_SDK_DISABLED: "true",
});

/** What a test that names an OTEL_* setting starts from: on, exporting traces only. */
const TELEMETRY_ON_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  OTEL_SDK_DISABLED: "false",
  OTEL_METRICS_EXPORTER: "none",
  OTEL_LOGS_EXPORTER: "none",
});

/** Settings that switch an in-process app's telemetry on, spans exported without delay. */
export const TELEMETRY: Readonly<Record<string, string>> = Object.freeze({
  OTEL_TRACES_EXPORTER: "none",
  OTEL_BSP_SCHEDULE_DELAY: "0",
});

/** `settings` over TEST_SETTINGS, by the telemetry rule of {@link TestAppOptions.settings}. */
function testSettings(settings: Readonly<Record<string, string>> = {}): Record<string, string> {
  const telemetryOn = Object.keys(settings).some((name) => name.startsWith("OTEL_"));
  return { ...TEST_SETTINGS, ...(telemetryOn ? TELEMETRY_ON_SETTINGS : {}), ...settings };
}

/** Builds the real app over an in-memory database through compose.ts, as server.ts does. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const settings = testSettings(options.settings);
  if (options.postgresUrl !== undefined) {
    delete settings.DB_PATH;
    settings.DATABASE_URL = options.postgresUrl;
  }
  const startup = loadConfig(settings, []);
  if (startup.action !== "serve") throw new Error("test settings must serve");
  const config: Config = options.sessionTtlMsPastCap === undefined ? startup.config : {
    ...startup.config,
    accounts: { ...startup.config.accounts, sessionTtlMs: options.sessionTtlMsPastCap },
  };
  const engine = await openEngine(config, options);
  const spanExporter = new InMemorySpanExporter();
  const logExporter = new InMemoryLogRecordExporter();
  const metricReader = new TestMetricReader();
  const memory = memoryLogger({ access: config.log.access });
  const telemetry = config.telemetry.disabled ? undefined : startTelemetry(
    config.telemetry,
    "test",
    memory.logger,
    { process: TEST_PROCESS, spanExporter, logExporter, metricReader },
  );
  const lines = memory.lines;
  const logger = telemetry?.logSink === undefined ? memory.logger : createLogger({
    level: "debug",
    format: "json",
    serviceName: "test",
    access: config.log.access,
    write: (line) => lines.push(line),
    sink: telemetry.logSink,
  });
  const composed = composeServices(config, {
    store: engine.store(telemetry),
    logger,
    ...(telemetry === undefined ? {} : { telemetry }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.board === undefined ? {} : { board: options.board }),
  });
  const { store, logApiWriter, accounts, app } = composed;
  const dispose = () => {
    composed[Symbol.dispose]();
    void engine.close();
  };
  return {
    get db() {
      if (engine.sqlite === undefined) throw new Error("This test app runs over PostgreSQL");
      return engine.sqlite;
    },
    pg: engine.pg,
    engine: engine.pg === undefined ? "sqlite" : "postgres",
    store,
    app,
    logApiWriter,
    accounts,
    startDraining: composed.startDraining,
    logLines: lines,
    async signUp(username, role = "user") {
      if (role === "admin") await accounts.ensureAdmin(username, passwordOf(username));
      else await accounts.register(username, passwordOf(username));
      return (await accounts.login(username, passwordOf(username))).token;
    },
    async finishedSpans() {
      await telemetry?.tracing.forceFlush();
      return spanExporter.getFinishedSpans();
    },
    async finishedLogs() {
      if (telemetry === undefined) return [];
      await telemetry.flush();
      return logExporter.getFinishedLogRecords();
    },
    exemplars: telemetry?.metrics.exemplars,
    async collectResourceMetrics() {
      if (telemetry === undefined) return undefined;
      return (await metricReader.collect()).resourceMetrics;
    },
    async collectMetrics() {
      const byName = new Map<string, MetricData>();
      if (telemetry === undefined) return byName;
      const { resourceMetrics } = await metricReader.collect();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
      return byName;
    },
    request: async (path, init, peer = "203.0.113.7") => {
      const response = await app.request(path, init, {
        remoteAddr: { hostname: peer, port: 40000 },
      });
      return response;
    },
    async logRows() {
      // The first settles a batch in flight, if any; the second writes what is still queued.
      await logApiWriter.flush();
      await logApiWriter.flush();
      const sql = "SELECT * FROM log_api ORDER BY seq";
      if (engine.pg !== undefined) return await engine.pg.query(sql) as unknown as LogApiRow[];
      return engine.sqlite!.prepare(sql).all() as unknown as LogApiRow[];
    },
    [Symbol.dispose]: dispose,
    async [Symbol.asyncDispose]() {
      await composed[Symbol.asyncDispose]();
      await engine.close();
      await telemetry?.stopTracesAndMetrics(1000);
      await telemetry?.stopLogs(1000);
    },
  };
}

/** The database a test app runs on, opened as server.ts opens it, demo posts included. */
interface TestEngine {
  readonly sqlite: Database | undefined;
  readonly pg: PgDatabase | undefined;
  /** The store over it, instrumented by `telemetry` when given (through compose.ts). */
  store(telemetry: Parameters<typeof sqliteStore>[2]): Store;
  close(): Promise<void>;
}

async function openEngine(config: Config, options: TestAppOptions): Promise<TestEngine> {
  const demoAt = new Date("2026-11-23T10:00:00.000Z");
  if (config.database.url !== undefined) {
    const { db, created } = await openPostgresDatabase({
      url: config.database.url.url,
      poolSize: config.database.poolSize,
    });
    // Demo posts once per database, as a second instance on it would not add them again.
    if (created && (options.demoData ?? true)) {
      await insertDemoPosts(postgresStore(db, config).posts, demoAt);
    }
    let closed: Promise<void> | undefined;
    return {
      sqlite: undefined,
      pg: db,
      store: (telemetry) => postgresStore(db, config, telemetry),
      close: () => closed ??= db.close(),
    };
  }
  const { db } = openDatabase(options.databaseFile ?? ":memory:", {
    synchronous: "normal",
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  if (options.demoData ?? true) {
    await insertDemoPosts(sqliteStore(db, config).posts, demoAt);
  }
  return {
    sqlite: db,
    pg: undefined,
    store: (telemetry) => sqliteStore(db, config, telemetry),
    close: () => Promise.resolve(db.close()),
  };
}
