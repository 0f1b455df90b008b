/** @module Builds the Hono app from its parts; no I/O happens here. */

import { Hono } from "hono";
import { apiCallLog } from "./http/api_call_log.ts";
import type { AppEnv } from "./http/app_env.ts";
import { bodyLimit } from "./http/body_limit.ts";
import { clientIp } from "./http/client_ip_middleware.ts";
import { errorHandler, notFoundHandler } from "./http/errors.ts";
import type { CidrBlock } from "./http/ip_address.ts";
import { answerMethodNotAllowed } from "./http/method_not_allowed.ts";
import { boardRoutes } from "./routes/board.ts";
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
  readonly apiLog: ApiLogService;
  readonly audit: AuditLog;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly trustedProxies: readonly CidrBlock[];
  readonly maxBodyBytes: number;
  /** Request spans and `x-trace-id`; absent when telemetry is off. */
  readonly tracing?: Tracing;
  /** Request metrics and, with the Prometheus exporter, `GET /metrics`. */
  readonly metrics?: Metrics;
}

/** Paths that are probed often and would drown the audit log and the traces. */
export const UNAUDITED_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/** Builds the HTTP app: middleware in order, then the routes, then 404/405/error handling. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>().use(clientIp(deps.trustedProxies));
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
    .route("/", healthRoutes(deps.readiness))
    .route("/board", boardRoutes(deps.board))
    .route("/log", logRoutes(deps.apiLog));
  const prometheus = deps.metrics?.prometheus;
  if (prometheus !== undefined) app.route("/", metricsRoutes(prometheus));
  answerMethodNotAllowed(app);
  app.notFound(notFoundHandler());
  app.onError(errorHandler(deps.logger.scoped("http/errors.ts")));
  return app;
}
