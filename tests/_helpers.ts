/**
 * @module Shared test helpers: :memory: databases, capturing loggers, log_api rows, an
 * in-process app, a real server process, temp dirs.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseSync } from "node:sqlite";
import type { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";
import { composeServices, sqliteStore } from "../compose.ts";
import type { SignalSource, StopSignal } from "../lib/stop_signals.ts";
import { type Config, loadConfig } from "../config/load.ts";
import { openDatabase } from "../db/database.ts";
import type { Database } from "../db/database.ts";
import { insertDemoPosts } from "../db/demo_posts.ts";
import type { LogApiRow, NewLogApiRow } from "../db/log_api_schema.ts";
import type { Store } from "../db/store.ts";
import type { BoardService } from "../services/board.ts";
import type { LogApiWriter } from "../services/log_api_writer.ts";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { InMemoryLogRecordExporter, type ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { type MetricData, MetricReader } from "@opentelemetry/sdk-metrics";
import type { AccountsService } from "../services/accounts.ts";
import type { ProcessFacts } from "../telemetry/resource.ts";
import { startTelemetry } from "../telemetry/setup.ts";
import { createLogger, type Logger } from "../telemetry/log.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/** A fresh, migrated :memory: database, closed on dispose. */
export function memoryDb(): { db: Database } & Disposable {
  const { db } = openDatabase(":memory:", { synchronous: "normal" });
  return { db, [Symbol.dispose]: () => db.close() };
}

/** A debug-level JSON logger that hands every line it writes to `write`. */
function testLogger(write: (line: string) => void): Logger {
  return createLogger({ level: "debug", format: "json", serviceName: "test", write });
}

/** A logger that keeps its lines in memory. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: testLogger((line) => lines.push(line)), lines };
}

/** One log line as parsed from the JSON format. */
export interface LogRecord {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A logger that keeps every line it writes, parsed, in `records`. */
export function capturingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { logger: testLogger((line) => records.push(JSON.parse(line) as LogRecord)), records };
}

/** A valid log_api row (GET /board answered 200 at 2025-01-01T12:00Z) with `overrides` applied. */
export function logApiRow(overrides: Partial<NewLogApiRow> = {}): NewLogApiRow {
  return {
    user_ip: "203.0.113.7",
    user_id: null,
    start_time: "2025-01-01T12:00:00.000Z",
    end_time: "2025-01-01T12:00:00.005Z",
    call_url: "/board",
    call_url_parameter: null,
    method: "GET",
    status: 200,
    duration_ms: 5.125,
    trace_id: null,
    ...overrides,
  };
}

/** How many rows log_api holds. */
export function logApiCount(db: Database): number {
  return Number(db.prepare("SELECT count(*) AS n FROM log_api").get()?.n);
}

/** The seq of every log_api row, in ascending order. */
export function logApiSeqs(db: Database): number[] {
  return db.prepare("SELECT seq FROM log_api ORDER BY seq").all().map((r) => Number(r.seq));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options for an in-process app. */
export interface TestAppOptions {
  readonly demoData?: boolean;
  readonly maxBodyBytes?: number;
  readonly trustedProxies?: string;
  /** Replaces parts of the board service (to make it fail, for example). */
  readonly board?: Partial<BoardService>;
  /** OTEL_* variables: when given, the app traces into an in-memory exporter. */
  readonly telemetry?: Readonly<Record<string, string>>;
  /** GET /log open to everyone (default true here, as most tests read it). */
  readonly logApiPublic?: boolean;
  /** Rate limits as settings ("10/1m"); defaults are generous so only rate tests hit them. */
  readonly rateLimits?: Partial<
    Record<"login" | "loginUser" | "register" | "post" | "search", string>
  >;
  readonly sessionTtlMs?: number;
  /** Clock for accounts (session expiry). */
  readonly now?: () => Date;
  readonly corsAllowedOrigins?: readonly string[];
  /** A database file instead of :memory: (so a second connection can lock it). */
  readonly databaseFile?: string;
  /** How long a statement waits for another connection's lock (db/database.ts's option). */
  readonly busyTimeoutMs?: number;
}

/** An in-process app over a fresh :memory: database (`await using` when tracing). */
export interface TestApp extends Disposable, AsyncDisposable {
  /** The database under the store, for checks in raw SQL. */
  readonly db: Database;
  readonly store: Store;
  /** The composed app, for checks over its routes. */
  readonly app: Hono<AppEnv>;
  readonly logApiWriter: LogApiWriter;
  readonly logLines: string[];
  /** Every span finished so far (after a flush); empty without `telemetry`. */
  finishedSpans(): Promise<ReadableSpan[]>;
  /** Every OTLP log record emitted so far (after a flush); empty without `telemetry`. */
  finishedLogs(): Promise<ReadableLogRecord[]>;
  /** One metric collection, flattened by metric name; empty without `telemetry`. */
  collectMetrics(): Promise<Map<string, MetricData>>;
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

/** The settings every in-process app starts from, written as the README writes them. */
const TEST_SETTINGS: Readonly<Record<string, string>> = {
  DB_PATH: ":memory:",
  LOG_API_FLUSH_MS: "5",
  // No background pruning under a test's feet (retention has its own tests).
  LOG_API_RETENTION_DAYS: "0",
  LOG_API_MAX_ROWS: "0",
  LOG_API_PUBLIC: "true",
  SESSION_TTL: "1h",
  RATE_LIMIT_LOGIN: "1000/1m",
  RATE_LIMIT_LOGIN_USER: "1000/1m",
  RATE_LIMIT_REGISTER: "1000/1m",
  RATE_LIMIT_POST: "1000/1m",
  RATE_LIMIT_SEARCH: "1000/1m",
};

const RATE_LIMIT_SETTINGS = {
  login: "RATE_LIMIT_LOGIN",
  loginUser: "RATE_LIMIT_LOGIN_USER",
  register: "RATE_LIMIT_REGISTER",
  post: "RATE_LIMIT_POST",
  search: "RATE_LIMIT_SEARCH",
} as const;

/** The settings `options` stand for, over TEST_SETTINGS. */
function testSettings(options: TestAppOptions): Record<string, string> {
  const settings: Record<string, string> = { ...TEST_SETTINGS };
  if (options.maxBodyBytes !== undefined) settings.MAX_BODY_BYTES = String(options.maxBodyBytes);
  if (options.trustedProxies !== undefined) settings.TRUSTED_PROXIES = options.trustedProxies;
  if (options.logApiPublic !== undefined) settings.LOG_API_PUBLIC = String(options.logApiPublic);
  if (options.corsAllowedOrigins !== undefined) {
    settings.CORS_ALLOWED_ORIGINS = options.corsAllowedOrigins.join(",");
  }
  for (const [name, value] of Object.entries(options.rateLimits ?? {})) {
    settings[RATE_LIMIT_SETTINGS[name as keyof typeof RATE_LIMIT_SETTINGS]] = value;
  }
  if (options.telemetry === undefined) settings.OTEL_SDK_DISABLED = "true";
  else {
    Object.assign(
      settings,
      { OTEL_METRICS_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none" },
      options.telemetry,
    );
  }
  return settings;
}

/** Builds the real app over an in-memory database through compose.ts, as server.ts does. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const startup = loadConfig(testSettings(options), []);
  if (startup.action !== "serve") throw new Error("test settings must serve");
  const config: Config = options.sessionTtlMs === undefined ? startup.config : {
    ...startup.config,
    accounts: { ...startup.config.accounts, sessionTtlMs: options.sessionTtlMs },
  };
  const { db: rawDb } = openDatabase(options.databaseFile ?? ":memory:", {
    synchronous: "normal",
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  if (options.demoData ?? true) {
    await insertDemoPosts(sqliteStore(rawDb, config).posts, new Date("2026-11-23T10:00:00.000Z"));
  }
  const spanExporter = new InMemorySpanExporter();
  const logExporter = new InMemoryLogRecordExporter();
  const metricReader = new TestMetricReader();
  const memory = memoryLogger();
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
    write: (line) => lines.push(line),
    sink: telemetry.logSink,
  });
  const composed = composeServices(config, {
    store: sqliteStore(rawDb, config, telemetry),
    logger,
    ...(telemetry === undefined ? {} : { telemetry }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.board === undefined ? {} : { board: options.board }),
  });
  const { store, logApiWriter, accounts, app } = composed;
  const db = rawDb;
  const dispose = () => {
    composed[Symbol.dispose]();
    db.close();
  };
  return {
    db,
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
      return db.prepare("SELECT * FROM log_api ORDER BY seq").all() as unknown as LogApiRow[];
    },
    [Symbol.dispose]: dispose,
    async [Symbol.asyncDispose]() {
      await composed[Symbol.asyncDispose]();
      db.close();
      await telemetry?.stopTracesAndMetrics(1000);
      await telemetry?.stopLogs(1000);
    },
  };
}

/** Asserts-friendly reading of a problem answer. */
export async function problemOf(response: Response): Promise<Record<string, unknown>> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("application/problem+json")) {
    throw new Error(`Expected application/problem+json, got "${type}": ${await response.text()}`);
  }
  return await response.json();
}

/** A temporary directory removed on dispose. */
export async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "otel-board-test-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/**
 * The permission flags the compile task bakes into the binary, read from deno.json so the
 * real-process tests run the server with exactly those and nothing else.
 */
export function compilePermissionFlags(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  const task: string = config.tasks.compile;
  return task.split(/\s+/).filter((arg) =>
    /^(-P|--permission-set|--allow-|--deny-|--no-prompt)/.test(arg)
  );
}

/** A running server process with its output captured. */
export interface ServerProcess extends AsyncDisposable {
  readonly baseUrl: string;
  readonly port: number;
  readonly pid: number;
  /** Sends `signal` and resolves with the exit code and everything printed. */
  stop(signal?: Deno.Signal): Promise<ProcessResult>;
}

/** How a finished process ended. */
export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs main.ts with the compile task's permission flags and `env`; resolves when it exits. */
export async function runMain(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<ProcessResult> {
  const output = await serverCommand(args, env, cwd).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Starts main.ts on an ephemeral port and waits for its "Listening" line. */
export async function startServer(
  env: Record<string, string>,
  cwd: string,
  args: readonly string[] = [],
): Promise<ServerProcess> {
  const child = serverCommand(args, { PORT: "0", ...env }, cwd).spawn();
  const stdout: string[] = [];
  let stderr = "";
  const stderrDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stderr += chunk) }),
  );
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter());
  const reader = lines.getReader();
  let port = 0;
  while (port === 0) {
    const { done, value } = await reader.read();
    if (done) {
      await stderrDone;
      const status = await child.status;
      throw new Error(`Server exited (${status.code}) before listening: ${stderr}`);
    }
    stdout.push(value);
    // The JSON line ("msg":"Listening on …") or the LOG_FORMAT=text one (- Listening on …).
    const match = /Listening on http:\/\/\S*?:(\d+)/.exec(value);
    if (match) port = Number(match[1]);
  }
  const stdoutDone = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      stdout.push(value);
    }
  })();
  let result: Promise<ProcessResult> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") => {
    result ??= (async () => {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
      const status = await child.status;
      await Promise.all([stdoutDone, stderrDone]);
      return { code: status.code, stdout: stdout.join("\n"), stderr };
    })();
    return result;
  };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    stop,
    [Symbol.asyncDispose]: async () => void await stop("SIGKILL"),
  };
}

/** `deno` arguments that run main.ts as the compiled binary would (its permissions), then `args`. */
export function serverArgs(args: readonly string[] = []): string[] {
  return [
    "run",
    "--config",
    join(ROOT, "deno.json"),
    ...compilePermissionFlags(),
    join(ROOT, "main.ts"),
    ...args,
  ];
}

function serverCommand(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: serverArgs(args),
    cwd,
    // Only what Deno itself needs passes through, so the developer's own PORT, DB_PATH or
    // OTEL_* settings cannot leak into a test.
    // No exporter unless a test asks: a collector that happens to run on :4318 stays out.
    env: {
      ...passThroughEnv(),
      NO_COLOR: "1",
      LOG_API_FLUSH_MS: "20",
      OTEL_TRACES_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      // A known admin password keeps the one-time generated-password notice off stdout, and
      // GET /log stays open as in the original app unless a test closes it.
      ADMIN_PASSWORD: "test-admin-password",
      LOG_API_PUBLIC: "true",
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

const PASS_THROUGH = [
  "PATH",
  "HOME",
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "TMPDIR",
  "SYSTEMROOT",
  "USERPROFILE",
];

/** The environment variables Deno itself needs, and nothing else (no PORT, DB_PATH, OTEL_*). */
export function passThroughEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASS_THROUGH) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function lineSplitter(): TransformStream<string, string> {
  let buffer = "";
  return new TransformStream({
    transform(chunk, controller) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const part of parts) controller.enqueue(part);
    },
    flush(controller) {
      if (buffer !== "") controller.enqueue(buffer);
    },
  });
}

/** Reads every log_api row of a database file (after the server has stopped). */
export function logRowsInFile(path: string): LogApiRow[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT * FROM log_api ORDER BY seq").all() as unknown as LogApiRow[];
  } finally {
    db.close();
  }
}

/** A signal source a test fires by hand, with a clock (milliseconds) the test moves. */
export function fakeSignals(): {
  readonly source: SignalSource;
  now(): number;
  advance(ms: number): void;
  fire(signal: StopSignal): void;
  /** How many listeners `signal` has now. */
  listeners(signal: StopSignal): number;
} {
  const handlers = new Map<StopSignal, Set<() => void>>();
  let clockMs = 0;
  return {
    source: {
      listen(signal, handler) {
        const set = handlers.get(signal) ?? new Set();
        set.add(handler);
        handlers.set(signal, set);
        return () => set.delete(handler);
      },
    },
    now: () => clockMs,
    advance: (ms) => void (clockMs += ms),
    fire: (signal) => handlers.get(signal)?.forEach((handler) => handler()),
    listeners: (signal) => handlers.get(signal)?.size ?? 0,
  };
}
