/**
 * @module The service's lifecycle: acquires every resource on one AsyncDisposableStack, serves
 * until a stop request, and releases them in reverse order — the same teardown for a normal
 * stop and for a start that fails half-way.
 */

import { describeTelemetry } from "./config/describe.ts";
import type { Config } from "./config/load.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "./config/service_identity.ts";
import { composeServices } from "./compose.ts";
import { ConfigError } from "./config/types.ts";
import { problemResponse } from "./http/problem.ts";
import { adminPasswordPath, writeAdminPasswordFile } from "./lib/admin_password_file.ts";
import { errorMessage } from "./lib/error_message.ts";
import { EXIT_FAILED, EXIT_INVALID_SETTING } from "./lib/exit_codes.ts";
import { settlesWithin } from "./lib/settles_within.ts";
import type { StopRequests } from "./lib/stop_signals.ts";
import type { AccountsService } from "./services/accounts.ts";
import {
  type OpenedStore,
  openStore,
  type OpenStoreOptions,
  StoreOpenError,
} from "./store_open.ts";
import { createLogger, type Logger } from "./telemetry/log.ts";
import type { Telemetry } from "./telemetry/setup.ts";

/** A start-up failure the operator must fix; printed as one line, never a stack. */
export class StartupError extends Error {
  override name = "StartupError";
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** What `runService` needs besides the settings. */
export interface RunOptions {
  /** The stop signals, listened to since the process started. */
  readonly stops: StopRequests;
  /** Ends the process on a forced stop (default `Deno.exit`). */
  readonly exit?: (code: number) => void;
  /** Where log lines go (default: stdout). */
  readonly writeLog?: (line: string) => void;
}

/**
 * Runs the service until a stop request: opens the database, serves HTTP, then drains
 * in-flight requests, writes pending log rows, flushes telemetry and closes the database.
 * @throws {StartupError} when telemetry, the database or the listener cannot start.
 */
export async function runService(config: Config, options: RunOptions): Promise<void> {
  await using resources = new AsyncDisposableStack();
  const loggerOptions = {
    level: config.log.level,
    format: config.log.format,
    access: config.log.access,
    serviceName: SERVICE_NAME,
    ...(options.writeLog === undefined ? {} : { write: options.writeLog }),
  } as const;
  // Export failures are reported on stdout only, so a failing log export cannot feed itself.
  const stdoutLogger = createLogger(loggerOptions).scoped(import.meta.url);
  const telemetry = await startTelemetryOrFail(config, stdoutLogger);
  const logger = telemetry?.logSink === undefined
    ? stdoutLogger
    : createLogger({ ...loggerOptions, sink: telemetry.logSink }).scoped(import.meta.url);
  const flushTimeoutMs = config.telemetry.flushTimeoutMs;
  // OTLP logs last, after the "Stopped" line, so that line is exported too.
  resources.defer(async () => {
    if (telemetry !== undefined && !await telemetry.stopLogs(flushTimeoutMs)) {
      stdoutLogger.warn("logs not exported within TELEMETRY_FLUSH_TIMEOUT_MS were dropped", {
        signal: "logs",
        telemetry_flush_timeout_ms: flushTimeoutMs,
      });
    }
  });
  // Filled in once the service listens: a start that failed logs no "Stopped" line.
  const stopReport: { facts?: () => Record<string, unknown> } = {};
  resources.defer(() => {
    if (stopReport.facts !== undefined) logger.info("Stopped", stopReport.facts());
  });
  // The last span and metric export comes after the services and the database closed, so it
  // holds their final spans; the app-metric callbacks are still registered and read the
  // final counts (the provider's shutdown ends them).
  resources.defer(async () => {
    const flushed = await telemetry?.stopTracesAndMetrics(flushTimeoutMs);
    for (const [signal, inTime] of Object.entries(flushed ?? {})) {
      if (inTime) continue;
      logger.warn(`${signal} not exported within TELEMETRY_FLUSH_TIMEOUT_MS were dropped`, {
        signal,
        telemetry_flush_timeout_ms: flushTimeoutMs,
      });
    }
  });
  // A stray rejection is a bug to log, not a reason to drop every in-flight request.
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    logger.error("Unhandled promise rejection", { error: event.reason });
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  resources.defer(() => globalThis.removeEventListener("unhandledrejection", onRejection));

  const { store, engine, facts } = await openStoreOrFail(config, resources, {
    demoData: config.database.demoData,
    logger,
    ...(telemetry === undefined ? {} : { telemetry }),
  });
  // Disposing the services stops session pruning and retention (a chunk in flight finishes
  // on the worker first), then the log writer, which writes every queued row.
  const services = resources.use(composeServices(config, {
    store,
    logger,
    ...(telemetry === undefined ? {} : { telemetry }),
  }));
  // "Exit now" still writes the queued rows first; a batch in flight on the worker may be lost.
  options.stops.onForce(async (signal) => {
    logger.warn("Second stop signal: exiting without draining", { signal });
    await services.logApiWriter.writeQueuedNow();
    (options.exit ?? Deno.exit)(EXIT_FAILED);
  });

  const server = listenOrFail(config, services.app.fetch, logger, {
    ...facts,
    telemetry: describeTelemetry(config.telemetry),
  });
  // The server drains before the services stop, so every answered request has its row.
  resources.defer(async () => {
    if (!await settlesWithin(server.shutdown(), config.server.shutdownTimeoutMs)) {
      logger.warn("Requests still running after SHUTDOWN_TIMEOUT_MS; stopping anyway", {
        shutdown_timeout_ms: config.server.shutdownTimeoutMs,
      });
    }
  });
  stopReport.facts = () => ({
    log_api_rows: services.logApiWriter.stats(),
    telemetry_export: telemetry?.exportStats() ?? null,
    telemetry_dropped: telemetry === undefined
      ? null
      : { traces: telemetry.dropped.traces(), logs: telemetry.dropped.logs() },
  });

  // Without telemetry the pages carry no context to sign, and the key does not matter.
  if (services.rumKeyGenerated && telemetry !== undefined) {
    logger.info(
      "RUM_SIGNING_KEY is not set: page contexts are signed with a random key of this process, " +
        "so timing beacons answered by another instance (or after a restart) are refused",
    );
  }
  // Under the migrations lock: instances starting together on one PostgreSQL create it once.
  // Taking the lock can fail too (the database went away): the board still serves.
  await store.exclusive(() => ensureFirstAdmin(services.accounts, config, logger, engine))
    .catch((error: unknown) => {
      logger.error("Cannot create the first admin", {
        error,
        username: config.accounts.adminUsername,
      });
    });
  const signal = await options.stops.requested;
  // Draining before shutdown: /readyz answers 503 while in-flight requests finish.
  services.startDraining();
  logger.info("Stopping: draining in-flight requests", { signal });
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
      `OTEL_EXPORTER_OTLP_CERTIFICATE: ${errorMessage(error)}`,
      EXIT_INVALID_SETTING,
    );
  }
}

/**
 * Opens the selected store; a setting that cannot work exits 2, a database that does not
 * answer exits 1. With PostgreSQL there is no file beside which a generated admin password
 * could go, so ADMIN_PASSWORD or ADMIN_PASSWORD_FILE must be set.
 */
async function openStoreOrFail(
  config: Config,
  resources: AsyncDisposableStack,
  options: OpenStoreOptions,
): Promise<OpenedStore> {
  if (
    config.database.url !== undefined && config.accounts.adminPassword === undefined &&
    config.accounts.adminPasswordFile === undefined
  ) {
    throw new StartupError(
      "ADMIN_PASSWORD_FILE: required with DATABASE_URL when ADMIN_PASSWORD is not set (where " +
        "the first admin's generated password is written; there is no database file to put " +
        "it beside)",
      EXIT_INVALID_SETTING,
    );
  }
  try {
    return await openStore(config, resources, options);
  } catch (error) {
    if (error instanceof ConfigError) throw new StartupError(error.message, EXIT_INVALID_SETTING);
    if (error instanceof StoreOpenError) throw new StartupError(error.message, EXIT_FAILED);
    throw error;
  }
}

/** Binds the listener and logs the "Listening on" line with `facts`. */
function listenOrFail(
  config: Config,
  handler: Deno.ServeHandler<Deno.NetAddr>,
  logger: Logger,
  facts: Record<string, unknown>,
): Deno.HttpServer<Deno.NetAddr> {
  try {
    return Deno.serve({
      hostname: config.server.host,
      port: config.server.port,
      onListen: ({ hostname, port }) => {
        const host = hostname.includes(":") ? `[${hostname}]` : hostname;
        logger.info(`Listening on http://${host}:${port}`, {
          version: SERVICE_VERSION,
          ...facts,
          startup_ms: Math.round(performance.now()),
        });
      },
      onError: (error) => {
        logger.error("Unhandled error while serving", { error });
        return problemResponse("internal_error", "The server failed to answer this request", {
          instance: "",
          traceId: null,
        });
      },
    }, handler);
  } catch (error) {
    const reason = error instanceof Deno.errors.AddrInUse
      ? "the address is already in use (set PORT or --port)"
      : errorMessage(error);
    throw new StartupError(
      `Cannot listen on ${config.server.host}:${config.server.port}: ${reason}`,
      1,
    );
  }
}

/**
 * Creates the first admin after the listener is up, when missing. A generated password is
 * written to the password file, and only that file's path is logged (the logger reaches OTLP
 * and log files). A failure is logged: the board still serves, and signing in as admin waits
 * for the operator.
 */
async function ensureFirstAdmin(
  accounts: AccountsService,
  config: Config,
  logger: Logger,
  engine: OpenedStore["engine"],
): Promise<void> {
  const username = config.accounts.adminUsername;
  const passwordFile = adminPasswordPath(
    engine === "postgres" ? ":memory:" : config.database.path,
    config.accounts.adminPasswordFile,
  );
  let result;
  try {
    result = await accounts.ensureAdmin(username, config.accounts.adminPassword, {
      generate: passwordFile !== undefined,
    });
  } catch (error) {
    logger.error("Cannot create the first admin", { error, username });
    return;
  }
  if (result.passwordNotApplied) {
    logger.warn(
      `ADMIN_PASSWORD was not applied: "${username}" exists and keeps its stored password; ` +
        `to give it a new one, run: otel-board reset-admin-password --username ${username}`,
      { username },
    );
  }
  if (result.passwordNeeded) {
    logger.warn(
      "No first admin created: with DB_PATH=:memory: there is no file beside the database for " +
        "a generated password; set ADMIN_PASSWORD (or ADMIN_PASSWORD_FILE)",
      { username },
    );
  }
  if (!result.created) return;
  if (result.generatedPassword === undefined || passwordFile === undefined) {
    logger.info("Created the first admin", { username });
    return;
  }
  try {
    writeAdminPasswordFile(passwordFile, {
      username,
      password: result.generatedPassword,
      what: "the first start",
    });
  } catch (error) {
    logger.error(
      "Created the first admin, but cannot write its password file: run otel-board " +
        "reset-admin-password with ADMIN_PASSWORD_FILE set to a file it can write",
      { error, username, password_file: passwordFile },
    );
    return;
  }
  logger.info(
    `Created the first admin; its password is in ${passwordFile}: sign in, then delete that file`,
    { username, password_file: passwordFile },
  );
}
