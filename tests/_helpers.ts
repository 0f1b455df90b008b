/**
 * @module Shared test helpers: :memory: databases, capturing loggers, log_api rows, an
 * in-process app, a real server process, temp dirs.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseSync } from "node:sqlite";
import { createApp } from "../app.ts";
import { parseCidrList } from "../lib/ip_address.ts";
import { openDatabase } from "../db/database.ts";
import type { Database } from "../db/database.ts";
import { insertDemoPosts } from "../db/demo_posts.ts";
import type { LogApiRow, NewLogApiRow } from "../db/log_api.ts";
import { createApiLogService } from "../services/api_log.ts";
import { type AuditLog, createAuditLog } from "../services/audit.ts";
import { type BoardService, createBoardService } from "../services/board.ts";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { InMemoryLogRecordExporter, type ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { type MetricData, MetricReader } from "@opentelemetry/sdk-metrics";
import { createAppEvents, registerAppMetrics } from "../telemetry/app_metrics.ts";
import { parseRateLimit } from "../config/grammars.ts";
import { createRateLimiter } from "../http/rate_limit.ts";
import { type AccountsService, createAccountsService } from "../services/accounts.ts";
import type { ProcessFacts } from "../telemetry/resource.ts";
import { startTelemetry } from "../telemetry/setup.ts";
import { instrumentDatabase } from "../telemetry/db_telemetry.ts";
import { createLogger, type Logger } from "../telemetry/log.ts";
import { parseTelemetryEnv } from "../config/otel_assemble.ts";
import { spanHelpers } from "../telemetry/traced.ts";

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
  readonly draining?: () => boolean;
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
}

/** An in-process app over a fresh :memory: database (`await using` when tracing). */
export interface TestApp extends Disposable, AsyncDisposable {
  readonly db: Database;
  readonly audit: AuditLog;
  readonly logLines: string[];
  /** Every span finished so far (after a flush); empty without `telemetry`. */
  finishedSpans(): Promise<ReadableSpan[]>;
  /** Every OTLP log record emitted so far (after a flush); empty without `telemetry`. */
  finishedLogs(): Promise<ReadableLogRecord[]>;
  /** One metric collection, flattened by metric name; empty without `telemetry`. */
  collectMetrics(): Promise<Map<string, MetricData>>;
  /** Sends a request as if from `peer` (default 203.0.113.7, an untrusted client). */
  request(path: string, init?: RequestInit, peer?: string): Promise<Response>;
  /** Writes pending audit rows and returns every log_api row, oldest first. */
  logRows(): LogApiRow[];
  /** Registers `username` (password `username` + "-password-1") and signs in; returns the token. */
  signUp(username: string, role?: "user" | "admin"): Promise<string>;
  readonly accounts: AccountsService;
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

/** Builds the real app over an in-memory database, as main.ts wires it. */
export function testApp(options: TestAppOptions = {}): TestApp {
  const { db: rawDb } = memoryDb();
  if (options.demoData ?? true) insertDemoPosts(rawDb, new Date("2026-11-23T10:00:00.000Z"));
  const spanExporter = new InMemorySpanExporter();
  const logExporter = new InMemoryLogRecordExporter();
  const metricReader = new TestMetricReader();
  const memory = memoryLogger();
  const telemetry = options.telemetry === undefined ? undefined : startTelemetry(
    parseTelemetryEnv(
      { OTEL_METRICS_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none", ...options.telemetry },
      { serviceName: "otel-board" },
    ),
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
  const tracing = telemetry?.tracing;
  const db = telemetry === undefined ? rawDb : instrumentDatabase(rawDb, telemetry.tracing.tracer, {
    databaseDup: telemetry.tracing.semconv.databaseDup,
    meter: telemetry.metrics.meter,
  });
  const spans = spanHelpers(tracing?.tracer);
  const audit = createAuditLog(db, { flushMs: 5, logger, spans });
  const appMetrics = telemetry === undefined ? undefined : registerAppMetrics(
    telemetry.metrics.meter,
    {
      auditStats: () => audit.stats(),
      exports: { traces: () => telemetry.exportStats().traces },
      dropped: telemetry.dropped,
    },
  );
  const events = createAppEvents(telemetry?.metrics.meter);
  const accounts = createAccountsService(db, {
    sessionTtlMs: options.sessionTtlMs ?? 3_600_000,
    spans,
    events: events.accounts,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const limit = (name: "login" | "loginUser" | "register" | "post" | "search") =>
    createRateLimiter(parseRateLimit(options.rateLimits?.[name] ?? "1000/1m"));
  const app = createApp({
    board: { ...createBoardService(db, spans, events.posts), ...options.board },
    accounts,
    apiLog: createApiLogService(db, spans),
    audit,
    readiness: {
      draining: options.draining ?? (() => false),
      checkDatabase: () => void db.prepare("SELECT 1").get(),
    },
    logger,
    trustedProxies: parseCidrList(options.trustedProxies ?? "127.0.0.1/32,::1/128"),
    maxBodyBytes: options.maxBodyBytes ?? 65536,
    limits: {
      login: limit("login"),
      loginUser: limit("loginUser"),
      register: limit("register"),
      post: limit("post"),
      search: limit("search"),
    },
    sessionTtlMs: options.sessionTtlMs ?? 3_600_000,
    logApiPublic: options.logApiPublic ?? true,
    corsAllowedOrigins: options.corsAllowedOrigins ?? [],
    ...(telemetry === undefined ? {} : { tracing: telemetry.tracing, metrics: telemetry.metrics }),
  });
  const dispose = () => {
    audit.flush();
    void audit.close(0);
    db.close();
  };
  return {
    db,
    audit,
    accounts,
    logLines: lines,
    async signUp(username, role = "user") {
      if (role === "admin") await accounts.ensureAdmin(username, passwordOf(username));
      else await accounts.register(username, passwordOf(username));
      return (await accounts.login(username, passwordOf(username))).token;
    },
    async finishedSpans() {
      await tracing?.forceFlush();
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
    logRows() {
      audit.flush();
      return db.prepare("SELECT * FROM log_api ORDER BY seq").all() as unknown as LogApiRow[];
    },
    [Symbol.dispose]: dispose,
    async [Symbol.asyncDispose]() {
      dispose();
      appMetrics?.stop();
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
): Promise<ServerProcess> {
  const child = serverCommand([], { PORT: "0", ...env }, cwd).spawn();
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
