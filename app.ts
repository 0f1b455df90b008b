/** @module Builds the Hono app from its parts; no I/O happens here. */

import { Hono } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { authentication } from "./http/auth.ts";
import { adminRoutes } from "./routes/admin.ts";
import { type AuthLimits, authRoutes } from "./routes/auth.ts";
import type { AccountsService } from "./services/accounts.ts";
import { type AppEnv, requestContext } from "./http/context.ts";
import { bodyLimit } from "./http/body_limit.ts";
import { clientIp } from "./http/client_ip_middleware.ts";
import { logApiMiddleware } from "./http/log_api_middleware.ts";
import { errorHandler, notFoundHandler } from "./http/errors.ts";
import type { CidrBlock } from "./lib/ip_address.ts";
import { answerMethodNotAllowed } from "./http/method_not_allowed.ts";
import { type BoardLimits, boardRoutes } from "./routes/board.ts";
import { healthRoutes, type Readiness } from "./routes/health.ts";
import { logRoutes } from "./routes/log.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { rumRoutes } from "./routes/rum.ts";
import { staticRoutes } from "./routes/web/static_routes.ts";
import { webRoutes } from "./routes/web/web_routes.ts";
import type { BoardService } from "./services/board.ts";
import type { LogApiReader } from "./services/log_api_reader.ts";
import type { LogApiWriter } from "./services/log_api_writer.ts";
import type { RateLimiter } from "./http/rate_limit.ts";
import type { ReplayGuard } from "./lib/replay_guard.ts";
import type { RumSigner } from "./lib/rum_signature.ts";
import { browserTelemetry } from "./telemetry/browser_spans.ts";
import { httpTelemetry } from "./telemetry/http_telemetry.ts";
import type { Logger } from "./telemetry/log.ts";
import type { Metrics } from "./telemetry/metrics.ts";
import type { Tracing } from "./telemetry/tracing.ts";

/** Everything the app needs, passed in so tests can build it over an in-memory store. */
export interface AppDeps {
  readonly board: BoardService;
  readonly accounts: AccountsService;
  readonly logApiReader: LogApiReader;
  readonly logApiWriter: LogApiWriter;
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
  /** How the pages show times (an IANA zone) and trace ids (a URL with `{trace_id}`). */
  readonly pages: {
    readonly displayTimeZone: string;
    readonly traceUrlTemplate: string | undefined;
  };
  /**
   * The pages' timing beacons: how contexts are signed, how old they may be, their rate limit, and
   * the pages whose beacon was taken.
   */
  readonly rum: {
    readonly signer: RumSigner;
    readonly maxAgeMs: number;
    readonly limiter: RateLimiter;
    readonly replays: ReplayGuard;
  };
  /** Request spans and `x-trace-id`; absent when telemetry is off. */
  readonly tracing?: Tracing;
  /** Request metrics and, with the Prometheus exporter, `GET /metrics`. */
  readonly metrics?: Metrics;
}

/**
 * Answer headers a front end on another origin may read: the next page (`Link`), the trace to
 * quote in a bug report (`x-trace-id`), when to retry (`Retry-After`), what was created
 * (`Location`). Browsers hide every other non-safelisted header from cross-origin scripts.
 */
export const CORS_EXPOSED_HEADERS: readonly string[] = [
  "Link",
  "x-trace-id",
  "Retry-After",
  "Location",
];

/** Paths that are probed often and would drown the call log and the traces. */
export const UNAUDITED_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/** Builds the HTTP app: middleware in order, then the routes, then 404/405/error handling. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  // Middleware runs outermost first; each one sits where it does for a reason:
  const app = new Hono<AppEnv>()
    // 1. Every context variable gets its default before anything can read one.
    .use(requestContext())
    // 2. Outside everything else, so every answer carries the secure headers: preflights,
    //    404s, 405s, 413s and error answers included.
    .use(secureHeaders({ crossOriginResourcePolicy: "same-site" }))
    // 3. Before telemetry and the call log: the span and the log_api row record the client
    //    address, and rate limits further in count by it.
    .use(clientIp(deps.trustedProxies));
  // 4. Telemetry wraps the call log, so the row carries the trace id and the access record
  //    is written while the request's SERVER span is the active one (its trace and span
  //    ids); it reads the user and the failure from the context after the answer.
  if (deps.tracing !== undefined) {
    app.use(httpTelemetry<AppEnv>({
      tracing: deps.tracing,
      ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
      skipPaths: UNAUDITED_PATHS,
    }));
  }
  // 5. The call log, before anything that may answer without calling on (CORS preflights,
  //    413s): every request except the probes gets its row (DESIGN §3).
  app.use(logApiMiddleware(deps.logApiWriter, UNAUDITED_PATHS, deps.logger));
  // 6. CORS answers preflights itself, so it comes after telemetry and the call log: a
  //    preflight gets its span and its row like any other request.
  if (deps.corsAllowedOrigins.length > 0) {
    app.use(cors({
      origin: [...deps.corsAllowedOrigins],
      credentials: true,
      maxAge: 600,
      exposeHeaders: [...CORS_EXPOSED_HEADERS],
    }));
  }
  app
    // 7. Refuses an oversized body before anyone reads it (and before the session lookup).
    .use(bodyLimit(deps.maxBodyBytes))
    // 8. Last, right before the routes: resolves the session that the handlers act for.
    .use(authentication(deps.accounts))
    .route("/", healthRoutes(deps.readiness))
    .route("/", authRoutes(deps.accounts, deps.limits, deps.sessionTtlMs))
    .route("/board", boardRoutes(deps.board, deps.limits))
    .route("/admin", adminRoutes(deps.accounts, deps.board))
    .route("/log", logRoutes(deps.logApiReader, deps.logApiPublic))
    .route(
      "/",
      rumRoutes({
        ...deps.rum,
        telemetry: browserTelemetry(deps.tracing?.tracer, deps.metrics?.meter),
      }),
    )
    // The pages for people, on paths the API does not use; they answer HTML, errors included.
    .route("/", staticRoutes())
    .route("/", webRoutes({ ...deps, ...deps.pages, rumSigner: deps.rum.signer }));
  const prometheus = deps.metrics?.prometheus;
  if (prometheus !== undefined) app.route("/", metricsRoutes(prometheus));
  answerMethodNotAllowed(app);
  app.notFound(notFoundHandler());
  app.onError(errorHandler(deps.logger));
  return app;
}
