/** @module Builds the Hono app from its parts; no I/O happens here. */

import { Hono } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { authentication } from "./http/auth.ts";
import { adminRoutes } from "./routes/admin.ts";
import { type AuthLimits, authRoutes } from "./routes/auth.ts";
import type { AccountsService } from "./services/accounts.ts";
import { apiCallLog } from "./http/api_call_log.ts";
import type { AppEnv } from "./http/app_env.ts";
import { bodyLimit } from "./http/body_limit.ts";
import { clientIp } from "./http/client_ip_middleware.ts";
import { errorHandler, notFoundHandler } from "./http/errors.ts";
import type { CidrBlock } from "./lib/ip_address.ts";
import { answerMethodNotAllowed } from "./http/method_not_allowed.ts";
import { type BoardLimits, boardRoutes } from "./routes/board.ts";
import { healthRoutes, type Readiness } from "./routes/health.ts";
import { logRoutes } from "./routes/log.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import type { ApiLogService } from "./services/api_log.ts";
import type { AuditLog } from "./services/audit.ts";
import type { BoardService } from "./services/board.ts";
import { httpTelemetry } from "./telemetry/http_telemetry.ts";
import type { Logger } from "./telemetry/log.ts";
import type { Metrics } from "./telemetry/metrics.ts";
import type { Tracing } from "./telemetry/tracing.ts";

/** Everything the app needs, passed in so tests can build it over an in-memory database. */
export interface AppDeps {
  readonly board: BoardService;
  readonly accounts: AccountsService;
  readonly apiLog: ApiLogService;
  readonly audit: AuditLog;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly trustedProxies: readonly CidrBlock[];
  readonly maxBodyBytes: number;
  readonly limits: AuthLimits & BoardLimits;
  readonly sessionTtlMs: number;
  /** Let anyone read GET /log (LOG_API_PUBLIC). */
  readonly logApiPublic: boolean;
  /** Origins allowed by CORS; empty: no CORS headers. */
  readonly corsAllowedOrigins: readonly string[];
  /** Request spans and `x-trace-id`; absent when telemetry is off. */
  readonly tracing?: Tracing;
  /** Request metrics and, with the Prometheus exporter, `GET /metrics`. */
  readonly metrics?: Metrics;
}

/** Paths that are probed often and would drown the audit log and the traces. */
export const UNAUDITED_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/** Builds the HTTP app: middleware in order, then the routes, then 404/405/error handling. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
    .use(secureHeaders({ crossOriginResourcePolicy: "same-site" }))
    .use(clientIp(deps.trustedProxies));
  if (deps.corsAllowedOrigins.length > 0) {
    app.use(cors({ origin: [...deps.corsAllowedOrigins], credentials: true, maxAge: 600 }));
  }
  if (deps.tracing !== undefined) {
    app.use(httpTelemetry<AppEnv>({
      tracing: deps.tracing,
      ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
      skipPaths: UNAUDITED_PATHS,
    }));
  }
  app
    .use(apiCallLog(deps.audit, UNAUDITED_PATHS, deps.logger.scoped("http/api_call_log.ts")))
    .use(bodyLimit(deps.maxBodyBytes))
    .use(authentication(deps.accounts))
    .route("/", healthRoutes(deps.readiness))
    .route("/", authRoutes(deps.accounts, deps.limits, deps.sessionTtlMs))
    .route("/board", boardRoutes(deps.board, deps.limits))
    .route("/admin", adminRoutes(deps.accounts, deps.board))
    .route("/log", logRoutes(deps.apiLog, deps.logApiPublic));
  const prometheus = deps.metrics?.prometheus;
  if (prometheus !== undefined) app.route("/", metricsRoutes(prometheus));
  answerMethodNotAllowed(app);
  app.notFound(notFoundHandler());
  app.onError(errorHandler(deps.logger.scoped("http/errors.ts")));
  return app;
}
