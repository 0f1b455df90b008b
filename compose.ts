/**
 * @module The one composition root: settings + infrastructure → services and the app. Used by
 * server.ts, the tests and the benchmarks alike, so what is tested is what runs.
 */

import type { Hono } from "hono";
import { createApp } from "./app.ts";
import type { Config } from "./config/load.ts";
import type { Database } from "./db/database.ts";
import type { PgDatabase } from "./db/postgres/client.ts";
import { createPostgresStore } from "./db/postgres/postgres_store.ts";
import { createSqliteStore } from "./db/sqlite/sqlite_store.ts";
import type { Store } from "./db/store.ts";
import type { AppEnv } from "./http/context.ts";
import { createRateLimiter } from "./http/rate_limit.ts";
import { SignInLimit } from "./http/sign_in_limit.ts";
import { type AccountsService, createAccountsService } from "./services/accounts.ts";
import { type BoardService, createBoardService } from "./services/board.ts";
import { DomainError } from "./services/domain_error.ts";
import { ReplayGuard } from "./lib/replay_guard.ts";
import { RumSigner } from "./lib/rum_signature.ts";
import { settlesWithin } from "./lib/settles_within.ts";
import { createLogApiReader } from "./services/log_api_reader.ts";
import { startLogApiRetention } from "./services/log_api_retention.ts";
import { createLogApiWriter, type LogApiWriter } from "./services/log_api_writer.ts";
import { createAppEvents, registerAppMetrics } from "./telemetry/app_metrics.ts";
import { instrumentDatabase } from "./telemetry/db_telemetry.ts";
import { instrumentPostgres } from "./telemetry/pg_telemetry.ts";
import type { Logger } from "./telemetry/log.ts";
import type { Telemetry } from "./telemetry/setup.ts";
import { spanHelpers } from "./telemetry/traced.ts";

/** What the services run on: opened by server.ts, or made in memory by a test. */
export interface Infrastructure {
  /** The store the services use (instrumented when telemetry is on: see `sqliteStore`). */
  readonly store: Store;
  readonly logger: Logger;
  /** The running providers; absent when telemetry is off. */
  readonly telemetry?: Telemetry;
  /** Clock for sessions (default: the real one). */
  readonly now?: () => Date;
  /** Replaces parts of the board service (a test making it fail, for example). */
  readonly board?: Partial<BoardService>;
}

/** The composed service: the app, the services behind it, and their background work. */
export interface ComposedServices extends AsyncDisposable, Disposable {
  readonly app: Hono<AppEnv>;
  readonly store: Store;
  readonly accounts: AccountsService;
  readonly logApiWriter: LogApiWriter;
  /** True when RUM_SIGNING_KEY is unset and the pages' contexts are signed with a random key. */
  readonly rumKeyGenerated: boolean;
  /** Turns `/readyz` to 503: load balancers stop sending traffic before the listener closes. */
  startDraining(): void;
}

/**
 * Wires services and the app from `config` over `infrastructure`, and starts their background
 * work (log_api batching, retention, session pruning). Disposing stops that work in order:
 * session pruning and retention first (a chunk in flight finishes), then the log writer,
 * which writes every queued row. Synchronous disposal (tests) only stops timers and writes
 * what is queued now.
 */
export function composeServices(config: Config, infrastructure: Infrastructure): ComposedServices {
  const { store, logger, telemetry } = infrastructure;
  // A broken rule (404, 403, 409, 400) is an answer, not a failure of the service span.
  const spans = spanHelpers(telemetry?.tracing.tracer, {
    expectedOutcome: (error) => error instanceof DomainError ? error.kind : undefined,
  });
  const events = createAppEvents(telemetry?.metrics.meter);

  const logApiWriter = createLogApiWriter(store.logApi, {
    flushMs: config.logApi.flushMs,
    logger,
    spans,
  });
  const retention = startLogApiRetention(store.logApi, {
    maxAgeDays: config.logApi.retentionDays,
    maxRows: config.logApi.maxRows,
    intervalMs: config.logApi.pruneIntervalMs,
    logger,
    spans,
  });
  const accounts = createAccountsService(store, {
    sessionTtlMs: config.accounts.sessionTtlMs,
    spans,
    events: events.accounts,
    ...(infrastructure.now === undefined ? {} : { now: infrastructure.now }),
  });
  const sessionPruning = setInterval(() => {
    accounts.pruneSessions().catch((error: unknown) => {
      logger.error("Cannot prune expired sessions", { error });
    });
  }, config.logApi.pruneIntervalMs);
  const board = { ...createBoardService(store, spans, events.posts), ...infrastructure.board };
  const logApiReader = createLogApiReader(store.logApi, spans);

  const rumSigner = new RumSigner(config.pages.rumSigningKey);

  let draining = false;
  const app = createApp({
    board,
    accounts,
    logApiReader,
    logApiWriter,
    readiness: { draining: () => draining, checkDatabase: () => store.ping() },
    logger,
    trustedProxies: config.server.trustedProxies,
    maxBodyBytes: config.server.maxBodyBytes,
    limits: {
      login: createRateLimiter(config.rateLimits.login),
      loginUser: new SignInLimit(createRateLimiter(config.rateLimits.loginUser)),
      register: createRateLimiter(config.rateLimits.register),
      post: createRateLimiter(config.rateLimits.post),
      search: createRateLimiter(config.rateLimits.search),
    },
    sessionTtlMs: config.accounts.sessionTtlMs,
    logApiPublic: config.logApi.public,
    corsAllowedOrigins: config.server.corsAllowedOrigins,
    pages: {
      displayTimeZone: config.pages.displayTimeZone ??
        Intl.DateTimeFormat().resolvedOptions().timeZone,
      traceUrlTemplate: config.pages.traceUrlTemplate,
    },
    rum: {
      signer: rumSigner,
      maxAgeMs: config.pages.rumContextMaxAgeMs,
      limiter: createRateLimiter(config.rateLimits.rum),
      replays: new ReplayGuard(),
    },
    ...(telemetry === undefined ? {} : { tracing: telemetry.tracing, metrics: telemetry.metrics }),
  });
  // Never removed: the meter provider's shutdown ends them, after the last export read them.
  if (telemetry !== undefined) {
    registerAppMetrics(
      telemetry.metrics.meter,
      {
        auditStats: () => logApiWriter.stats(),
        exports: {
          traces: () => telemetry.exportStats().traces,
          metrics: () => telemetry.exportStats().metrics,
          logs: () => telemetry.exportStats().logs,
        },
        dropped: telemetry.droppedItems,
      },
    );
  }

  return {
    app,
    store,
    accounts,
    logApiWriter,
    rumKeyGenerated: rumSigner.generated,
    startDraining: () => void (draining = true),
    async [Symbol.asyncDispose]() {
      clearInterval(sessionPruning);
      await settlesWithin(retention.stop(), 1000);
      await logApiWriter.close(1000);
    },
    [Symbol.dispose]() {
      clearInterval(sessionPruning);
      void retention.stop();
      void logApiWriter.flush();
      void logApiWriter.close(0);
    },
  };
}

/**
 * The accounts service alone over `store`, without telemetry or background work: for a command
 * that changes accounts in the service's database (reset-admin-password).
 */
export function accountsOver(store: Store, config: Config): AccountsService {
  return createAccountsService(store, {
    sessionTtlMs: config.accounts.sessionTtlMs,
    spans: spanHelpers(undefined),
    events: createAppEvents(undefined).accounts,
  });
}

/**
 * The SQLite store over `db` (the opened database, with its background writer if any), its
 * statements instrumented when telemetry is on.
 */
export function sqliteStore(db: Database, config: Config, telemetry?: Telemetry): Store {
  return createSqliteStore(
    telemetry === undefined ? db : instrumentDatabase(db, telemetry.tracing.tracer, {
      databaseDup: config.telemetry.semconv.databaseDup,
      meter: telemetry.metrics.meter,
    }),
  );
}

/**
 * The PostgreSQL store over `db` (the migrated pool), its statements and pool instrumented when
 * telemetry is on.
 */
export function postgresStore(db: PgDatabase, config: Config, telemetry?: Telemetry): Store {
  return createPostgresStore(
    telemetry === undefined ? db : instrumentPostgres(db, telemetry.tracing.tracer, {
      databaseDup: config.telemetry.semconv.databaseDup,
      meter: telemetry.metrics.meter,
    }),
  );
}
