/** @module Entry point: config → database → services → app → serve → graceful stop. */

import { createApp } from "./app.ts";
import { describeTelemetry } from "./config/describe.ts";
import { helpText, versionText } from "./config/help.ts";
import { type Config, loadConfig } from "./config/load.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "./config/service_identity.ts";
import { ConfigError } from "./config/types.ts";
import {
  type BackgroundWriter,
  startBackgroundWriter,
  withBackgroundWriter,
} from "./db/background_writer.ts";
import { DatabaseOpenError, openDatabase } from "./db/database.ts";
import { insertDemoPosts } from "./db/demo_posts.ts";
import { problemResponse } from "./http/problem.ts";
import { listenForStop, type StopSignal } from "./lifecycle.ts";
import { settlesWithin } from "./lib/settles_within.ts";
import { createApiLogService } from "./services/api_log.ts";
import { type AccountsService, createAccountsService } from "./services/accounts.ts";
import { createAuditLog } from "./services/audit.ts";
import { createBoardService } from "./services/board.ts";
import { startRetention } from "./services/retention.ts";
import { instrumentDatabase } from "./telemetry/db_telemetry.ts";
import { createLogger, type Logger } from "./telemetry/log.ts";
import { createAppEvents, registerAppMetrics } from "./telemetry/app_metrics.ts";
import { createRateLimiter } from "./http/rate_limit.ts";
import type { Telemetry } from "./telemetry/setup.ts";
import { spanHelpers } from "./telemetry/traced.ts";

/** Exit code for a setting that is invalid (bad value, unusable database file). */
export const EXIT_INVALID_SETTING = 2;
/** Exit code for a failure to start for other reasons (port taken, permission denied). */
export const EXIT_START_FAILED = 1;

/** A start-up failure the operator must fix; printed as one line, never a stack. */
export class StartupError extends Error {
  override name = "StartupError";
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * Runs the service until a stop signal: opens the database, serves HTTP, then drains
 * in-flight requests, writes pending log rows and closes the database.
 * @throws {StartupError} when the database cannot be opened or the port cannot be bound.
 */
export async function runServer(config: Config): Promise<void> {
  const loggerOptions = {
    level: config.log.level,
    format: config.log.format,
    serviceName: SERVICE_NAME,
  } as const;
  // Export failures are reported on stdout only, so a failing log export cannot feed itself.
  const stdoutLogger = createLogger(loggerOptions);
  const telemetry = await startTelemetryOrFail(
    config,
    stdoutLogger.scoped("telemetry/otlp_exporter.ts"),
  );
  const logger = telemetry?.logSink === undefined
    ? stdoutLogger
    : createLogger({ ...loggerOptions, sink: telemetry.logSink });
  // A stray rejection is a bug to log, not a reason to drop every in-flight request.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    logger.error("Unhandled promise rejection", { error: event.reason });
  });
  let opened;
  try {
    opened = openDatabase(config.database.path, { synchronous: config.database.synchronous });
  } catch (error) {
    if (error instanceof DatabaseOpenError) {
      throw new StartupError(`DB_PATH: ${error.message}`, EXIT_INVALID_SETTING);
    }
    throw error;
  }
  if (opened.created && config.database.demoData) insertDemoPosts(opened.db, new Date());
  const writer = startWriter(config, logger);
  const local = writer === undefined ? opened.db : withBackgroundWriter(opened.db, writer);
  const tracing = telemetry?.tracing;
  const db = telemetry === undefined ? local : instrumentDatabase(local, telemetry.tracing.tracer, {
    databaseDup: config.telemetry.semconv.databaseDup,
    meter: telemetry.metrics.meter,
  });
  const spans = spanHelpers(tracing?.tracer);

  const audit = createAuditLog(db, {
    flushMs: config.logApi.flushMs,
    logger: logger.scoped("services/audit.ts"),
    spans,
  });
  const retention = startRetention(db, {
    maxAgeDays: config.logApi.retentionDays,
    maxRows: config.logApi.maxRows,
    intervalMs: config.logApi.pruneIntervalMs,
    logger: logger.scoped("services/retention.ts"),
    spans,
  });
  const events = createAppEvents(telemetry?.metrics.meter);
  const accounts = createAccountsService(db, {
    sessionTtlMs: config.accounts.sessionTtlMs,
    spans,
    events: events.accounts,
  });
  const sessionPruning = setInterval(() => {
    try {
      accounts.pruneSessions();
    } catch (error) {
      logger.error("Cannot prune expired sessions", { error });
    }
  }, config.logApi.pruneIntervalMs);
  let draining = false;
  const app = createApp({
    board: createBoardService(db, spans, events.posts),
    accounts,
    apiLog: createApiLogService(db, spans),
    audit,
    readiness: {
      draining: () => draining,
      checkDatabase: () => void db.prepare("SELECT count(*) FROM sqlite_schema").get(),
    },
    logger,
    trustedProxies: config.server.trustedProxies,
    maxBodyBytes: config.server.maxBodyBytes,
    limits: {
      login: createRateLimiter(config.rateLimits.login),
      loginUser: createRateLimiter(config.rateLimits.loginUser),
      register: createRateLimiter(config.rateLimits.register),
      post: createRateLimiter(config.rateLimits.post),
      search: createRateLimiter(config.rateLimits.search),
    },
    sessionTtlMs: config.accounts.sessionTtlMs,
    logApiPublic: config.logApi.public,
    corsAllowedOrigins: config.server.corsAllowedOrigins,
    ...(telemetry === undefined ? {} : { tracing: telemetry.tracing, metrics: telemetry.metrics }),
  });
  const appMetrics = telemetry === undefined ? undefined : registerAppMetrics(
    telemetry.metrics.meter,
    {
      auditStats: () => audit.stats(),
      exports: {
        traces: () => telemetry.exportStats().traces,
        metrics: () => telemetry.exportStats().metrics,
        logs: () => telemetry.exportStats().logs,
      },
      dropped: telemetry.dropped,
    },
  );

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: config.server.host,
      port: config.server.port,
      onListen: ({ hostname, port }) => {
        const host = hostname.includes(":") ? `[${hostname}]` : hostname;
        logger.info(`Listening on http://${host}:${port}`, {
          version: SERVICE_VERSION,
          db_path: db.path,
          schema_version: opened.version,
          created_database: opened.created,
          startup_ms: Math.round(performance.now()),
          telemetry: describeTelemetry(config.telemetry),
        });
      },
      onError: (error) => {
        logger.error("Unhandled error while serving", { error });
        return problemResponse("internal_error", "The server failed to answer this request", {
          instance: "",
          traceId: null,
        });
      },
    }, app.fetch);
  } catch (error) {
    await retention.stop();
    await writer?.close(1000);
    db.close();
    const reason = error instanceof Deno.errors.AddrInUse
      ? "the address is already in use (set PORT or --port)"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new StartupError(
      `Cannot listen on ${config.server.host}:${config.server.port}: ${reason}`,
      1,
    );
  }

  // Listen for stop signals before any slow start-up work, so an early SIGTERM drains too.
  const stopRequested = new Promise<StopSignal>((resolve) => {
    const unlisten = listenForStop(Deno.build.os, (received) => {
      unlisten();
      resolve(received);
    });
  });
  try {
    await ensureFirstAdmin(accounts, config, logger);
  } catch (error) {
    // The board still serves; sign-in as admin waits for the operator to fix this.
    logger.error("Cannot create the first admin", {
      error,
      username: config.accounts.adminUsername,
    });
  }
  const signal = await stopRequested;
  draining = true;
  logger.info("Stopping: draining in-flight requests", { signal });
  const forceStop = listenForStop(Deno.build.os, (again) => {
    logger.warn("Second stop signal: exiting without draining", { signal: again });
    audit.flush();
    db.close();
    Deno.exit(EXIT_START_FAILED);
  });
  if (!await settlesWithin(server.shutdown(), config.server.shutdownTimeoutMs)) {
    logger.warn("Requests still running after SHUTDOWN_TIMEOUT_MS; stopping anyway", {
      shutdown_timeout_ms: config.server.shutdownTimeoutMs,
    });
  }
  // A prune in flight finishes its current chunk (on the worker) before the worker closes.
  await settlesWithin(retention.stop(), 1000);
  clearInterval(sessionPruning);
  await audit.close(1000);
  await writer?.close(1000);
  const flushTimeoutMs = config.telemetry.flushTimeoutMs;
  const flushed = await telemetry?.stopTracesAndMetrics(flushTimeoutMs);
  appMetrics?.stop();
  for (const [signalName, inTime] of Object.entries(flushed ?? {})) {
    if (!inTime) {
      logger.warn(`${signalName} not exported within TELEMETRY_FLUSH_TIMEOUT_MS were dropped`, {
        signal: signalName,
        telemetry_flush_timeout_ms: flushTimeoutMs,
      });
    }
  }
  db.close();
  forceStop();
  logger.info("Stopped", {
    log_api_rows: audit.stats(),
    telemetry_export: telemetry?.exportStats() ?? null,
    telemetry_dropped: telemetry === undefined
      ? null
      : { traces: telemetry.dropped.traces(), logs: telemetry.dropped.logs() },
  });
  if (telemetry !== undefined && !await telemetry.stopLogs(flushTimeoutMs)) {
    stdoutLogger.warn("logs not exported within TELEMETRY_FLUSH_TIMEOUT_MS were dropped", {
      signal: "logs",
      telemetry_flush_timeout_ms: flushTimeoutMs,
    });
  }
}

/**
 * The worker that writes log_api batches off the request thread; undefined for an in-memory
 * database. Until it is ready (and if it cannot start: logged) rows are written in-thread.
 */
function startWriter(config: Config, logger: Logger): BackgroundWriter | undefined {
  if (config.database.path === ":memory:") return undefined;
  const writer = startBackgroundWriter(config.database.path, {
    synchronous: config.database.synchronous,
  });
  writer.ready.catch((error: unknown) => {
    logger.warn("log_api rows will be written on the request thread", { error });
  });
  return writer;
}

/**
 * Creates the first admin after the listener is up, when missing. A generated password is
 * printed once on the console — never through the logger (it would reach OTLP).
 */
async function ensureFirstAdmin(
  accounts: AccountsService,
  config: Config,
  logger: Logger,
): Promise<void> {
  const result = await accounts.ensureAdmin(
    config.accounts.adminUsername,
    config.accounts.adminPassword,
  );
  if (!result.created) return;
  logger.info("Created the first admin", { username: config.accounts.adminUsername });
  if (result.generatedPassword !== undefined) {
    Deno.stdout.writeSync(new TextEncoder().encode(
      `\nFirst admin "${config.accounts.adminUsername}" created with the password: ${result.generatedPassword}\n` +
        "It is shown only this once; change it with PUT /me/password.\n\n",
    ));
  }
}

/**
 * Starts telemetry unless OTEL_SDK_DISABLED — the SDK is loaded only then, which keeps its
 * start-up time and memory out of a service run without it. A CA file that cannot be read
 * stops start-up.
 */
async function startTelemetryOrFail(
  config: Config,
  logger: Logger,
): Promise<Telemetry | undefined> {
  if (config.telemetry.disabled) return undefined;
  const { startTelemetry } = await import("./telemetry/setup.ts");
  try {
    return startTelemetry(config.telemetry, SERVICE_VERSION, logger);
  } catch (error) {
    throw new StartupError(
      `OTEL_EXPORTER_OTLP_CERTIFICATE: ${error instanceof Error ? error.message : error}`,
      EXIT_INVALID_SETTING,
    );
  }
}

function fail(message: string, exitCode: number): never {
  Deno.stderr.writeSync(new TextEncoder().encode(`${SERVICE_NAME}: ${message}\n`));
  Deno.exit(exitCode);
}

if (import.meta.main) {
  let startup;
  try {
    startup = loadConfig(Deno.env.toObject(), Deno.args);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, EXIT_INVALID_SETTING);
    throw error;
  }
  if (startup.action === "help") {
    Deno.stdout.writeSync(new TextEncoder().encode(helpText()));
  } else if (startup.action === "version") {
    Deno.stdout.writeSync(new TextEncoder().encode(versionText()));
  } else {
    try {
      await runServer(startup.config);
    } catch (error) {
      if (error instanceof StartupError) fail(error.message, error.exitCode);
      throw error;
    }
  }
  Deno.exit(0);
}
