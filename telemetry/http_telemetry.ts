/**
 * @module HTTP server telemetry: one SERVER span per request and the request-duration (with
 * exemplars of sampled requests) and active-requests metrics, with the stable HTTP semantic
 * conventions.
 */

import {
  type Attributes,
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from "@opentelemetry/semantic-conventions";
import type { Context, MiddlewareHandler } from "hono";
import { HTTP_DURATION_BUCKETS } from "./buckets.ts";
import type { Metrics } from "./metrics.ts";
import { answeringRoute, KNOWN_METHODS } from "../http/answering_route.ts";
import { redactQuery } from "../lib/redact.ts";
import { OLD_HTTP_FLAVOR, oldServerDuration } from "./old_http_metrics.ts";
import { ATTR_ENDUSER_ID, OLD_HTTP } from "./semconv.ts";
import { errorTypeOf, fail } from "./traced.ts";
import type { Tracing } from "./tracing.ts";

/**
 * The context variables this middleware reads and sets. It sets `traceId` before the
 * request runs; it reads `clientIp` and `origin` (the scheme, host and port the client
 * addressed, as a trusted proxy told them) then, and after the answer `userId` (the authenticated
 * user, as `enduser.id`) and `failure` (the unexpected error a 5xx was answered for, as an
 * exception event), the way `@hono/otel` reads `c.error`: the HTTP code writes facts on the
 * context and calls no telemetry function.
 */
export interface SpanEnv {
  Variables: {
    clientIp: string | null;
    origin: { readonly scheme: string; readonly host: string; readonly port: number } | null;
    traceId: string | null;
    userId: string | null;
    failure: Error | null;
  };
}

const DURATION = "http.server.request.duration";

/** Response header carrying the request's trace id. */
export const TRACE_ID_HEADER = "x-trace-id";

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** What the middleware records into. */
export interface HttpTelemetryOptions {
  readonly tracing: Tracing;
  readonly metrics?: Metrics;
  /** Paths neither traced nor measured (the probes). */
  readonly skipPaths?: ReadonlySet<string>;
}

/**
 * Starts a SERVER span per request (except `skipPaths`, the probes), parented on an
 * incoming `traceparent`, named `{METHOD} {route}` once the route is known (just
 * `{METHOD}` when none matched), makes it the active span for everything the request does,
 * answers `x-trace-id`, and records `http.server.request.duration` and
 * `http.server.active_requests`.
 */
export function httpTelemetry<E extends SpanEnv>(
  options: HttpTelemetryOptions,
): MiddlewareHandler<E> {
  const { tracer, propagator } = options.tracing;
  const dup = options.tracing.semconv.httpDup;
  const skipPaths = options.skipPaths ?? new Set();
  const meter = options.metrics?.meter;
  const duration = meter?.createHistogram(DURATION, {
    unit: "s",
    description: "Duration of HTTP server requests.",
    advice: { explicitBucketBoundaries: [...HTTP_DURATION_BUCKETS] },
  });
  const oldDuration = dup && meter !== undefined ? oldServerDuration(meter) : undefined;
  // Each bucket of each series keeps the last sampled request, to link latency to a trace.
  const exemplars = options.metrics?.exemplars.histogram(DURATION, HTTP_DURATION_BUCKETS);
  // Requests in flight per method and scheme, counted here and read at collection time:
  // cheaper than two synchronous measurements (and attribute hashing) per request.
  const inFlight = new Map<string, { readonly attributes: Attributes; count: number }>();
  meter?.createObservableUpDownCounter("http.server.active_requests", {
    unit: "{request}",
    description: "Number of active HTTP server requests.",
  }).addCallback((result) => {
    for (const { attributes, count } of inFlight.values()) result.observe(count, attributes);
  });
  const countInFlight = (method: string, scheme: string) => {
    const key = `${method} ${scheme}`;
    let slot = inFlight.get(key);
    if (slot === undefined) {
      slot = {
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_SCHEME]: scheme },
        count: 0,
      };
      inFlight.set(key, slot);
    }
    slot.count++;
    return slot;
  };
  return async function httpTelemetry(c, next) {
    if (skipPaths.has(c.req.path)) return next();
    const started = performance.now();
    const request = c.req.raw;
    const url = new URL(request.url);
    const known = KNOWN_METHODS.has(request.method);
    const method = known ? request.method : "_OTHER";
    const vars = c as unknown as Context<SpanEnv>;
    const origin = vars.get("origin") ?? ownOrigin(url);
    const scheme = origin.scheme;
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_PATH]: url.pathname,
      [ATTR_URL_SCHEME]: scheme,
      [ATTR_SERVER_ADDRESS]: origin.host,
      [ATTR_SERVER_PORT]: origin.port,
      // Deno.serve without TLS speaks HTTP/1.1, the only protocol nginx uses upstream.
      [ATTR_NETWORK_PROTOCOL_VERSION]: "1.1",
    };
    if (!known) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = request.method;
    if (url.search.length > 1) attributes[ATTR_URL_QUERY] = redactQuery(url.search.slice(1));
    const userAgent = request.headers.get("user-agent");
    if (userAgent !== null) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
    const clientIp = vars.get("clientIp");
    if (clientIp !== null && clientIp !== undefined) attributes[ATTR_CLIENT_ADDRESS] = clientIp;
    if (dup) {
      attributes[OLD_HTTP.method] = request.method;
      const query = url.search.length > 1 ? `?${redactQuery(url.search.slice(1))}` : "";
      attributes[OLD_HTTP.url] = `${originText(origin)}${url.pathname}${query}`;
      attributes[OLD_HTTP.target] = url.pathname + query;
      attributes[OLD_HTTP.scheme] = scheme;
      attributes[OLD_HTTP.hostPort] = origin.port;
      attributes[OLD_HTTP.flavor] = OLD_HTTP_FLAVOR;
      if (userAgent !== null) attributes[OLD_HTTP.userAgent] = userAgent;
      if (clientIp !== null && clientIp !== undefined) attributes[OLD_HTTP.peerIp] = clientIp;
    }

    const active = meter === undefined ? undefined : countInFlight(method, scheme);
    const parent = propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const span = tracer.startSpan(
      known ? method : "HTTP",
      { kind: SpanKind.SERVER, attributes },
      parent,
    );
    const spanContext = span.spanContext();
    const traceId = isSpanContextValid(spanContext) ? spanContext.traceId : null;
    vars.set("traceId", traceId);
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const endUser = vars.get("userId");
      if (endUser !== null && endUser !== undefined) span.setAttribute(ATTR_ENDUSER_ID, endUser);
      const failure = vars.get("failure") ?? undefined;
      if (failure !== undefined) fail(span, failure);
      const route = answeringRoute(c);
      if (route !== undefined) {
        span.updateName(`${known ? method : "HTTP"} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      const status = c.res.status;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (dup) span.setAttribute(OLD_HTTP.statusCode, status);
      let errorType: string | undefined;
      if (status >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        // The exception the error handler wrote names the error type; else the status does.
        errorType = failure === undefined ? String(status) : errorTypeOf(failure);
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
      }
      if (traceId !== null) c.res.headers.set(TRACE_ID_HEADER, traceId);
      span.end();
      if (active !== undefined) active.count--;
      const elapsedMs = performance.now() - started;
      oldDuration?.(elapsedMs, { method, scheme, statusCode: status, route, port: origin.port });
      if (duration !== undefined) {
        const measured: Attributes = {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_SCHEME]: scheme,
          [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
        };
        if (route !== undefined) measured[ATTR_HTTP_ROUTE] = route;
        if (errorType !== undefined) measured[ATTR_ERROR_TYPE] = errorType;
        const seconds = elapsedMs / 1000;
        duration.record(seconds, measured);
        if (exemplars !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0) {
          // Date.now(), as the SDK times measurements and collections: an exemplar so falls
          // inside its point's start..end.
          exemplars.record(seconds, measured, spanContext, Date.now());
        }
      }
    }
  };
}

/** The origin of `url` itself, for an app mounted without the client-address middleware. */
function ownOrigin(url: URL): { scheme: string; host: string; port: number } {
  const scheme = url.protocol.slice(0, -1);
  return { scheme, host: url.hostname, port: Number(url.port || (scheme === "https" ? 443 : 80)) };
}

/** `scheme://host[:port]`, the port left out when it is the scheme's default. */
function originText(origin: { scheme: string; host: string; port: number }): string {
  const host = origin.host.includes(":") ? `[${origin.host}]` : origin.host;
  const defaultPort = origin.scheme === "https" ? 443 : 80;
  return `${origin.scheme}://${host}${origin.port === defaultPort ? "" : `:${origin.port}`}`;
}
