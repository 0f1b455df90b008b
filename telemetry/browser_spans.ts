/**
 * @module A page's browser timings as spans of the page's own trace: `browser.page_load` and one
 * `browser.fetch` per fetch, children of the page's SERVER span, placed on the server's clock;
 * and `app.rum.beacons`, the count of timing beacons by outcome.
 */

import {
  type Attributes,
  type Meter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  trace,
  TraceFlags,
  type Tracer,
} from "@opentelemetry/api";
import {
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_PATH,
  ATTR_USER_AGENT_ORIGINAL,
} from "@opentelemetry/semantic-conventions";

/**
 * A page's PerformanceNavigationTiming figures, in milliseconds since its navigation started
 * (the browser's names; 0 where the browser had none, as for a reused connection).
 */
export interface NavigationTimings {
  readonly domainLookupStart: number;
  readonly domainLookupEnd: number;
  readonly connectStart: number;
  readonly connectEnd: number;
  readonly secureConnectionStart: number;
  readonly requestStart: number;
  readonly responseStart: number;
  readonly responseEnd: number;
  readonly domInteractive: number;
  readonly domComplete: number;
  readonly loadEventStart: number;
  readonly loadEventEnd: number;
  /** Bytes fetched for the document, headers included (0 from the cache). */
  readonly transferSize: number;
  /** The document's HTTP status, where the browser tells it (0 otherwise). */
  readonly responseStatus: number;
  /** How the page was reached: navigate, reload, back_forward or prerender. */
  readonly type: string;
}

/** One fetch the page's script made, from its PerformanceResourceTiming entry. */
export interface FetchTimings {
  /** The fetched URL's path (same origin only). */
  readonly path: string;
  readonly startTime: number;
  readonly requestStart: number;
  readonly responseStart: number;
  readonly responseEnd: number;
  readonly transferSize: number;
  readonly responseStatus: number;
}

/** A checked beacon of one page, and what the server knows about the page and the sender. */
export interface PageTimings {
  readonly traceId: string;
  /** The page's SERVER span. */
  readonly spanId: string;
  /** The SERVER span's start (ms since the epoch): the anchor on the server's clock. */
  readonly serverStartMs: number;
  readonly path: string;
  readonly userAgent: string | undefined;
  readonly navigation: NavigationTimings;
  readonly fetches: readonly FetchTimings[];
}

/** Why a beacon was answered as it was (the `outcome` of `app.rum.beacons`). */
export type BeaconOutcome =
  | "accepted"
  | "bad_signature"
  | "expired"
  | "duplicate"
  | "invalid"
  | "rate_limited"
  | "too_large";

/** Records beacons: their spans, and their count by outcome. */
export interface BrowserTelemetry {
  /** Makes the page's spans (a page its SERVER span did not sample makes none). */
  record(timings: PageTimings, sampled: boolean): void;
  /** Counts one beacon. */
  counted(outcome: BeaconOutcome): void;
}

/** Attribute names of the browser spans' timings (milliseconds, as the browser measures them). */
export const BROWSER_TIMING = {
  dns: "browser.timing.dns_ms",
  connect: "browser.timing.connect_ms",
  tls: "browser.timing.tls_ms",
  request: "browser.timing.request_ms",
  response: "browser.timing.response_ms",
  domInteractive: "browser.timing.dom_interactive_ms",
  domComplete: "browser.timing.dom_complete_ms",
  loadEvent: "browser.timing.load_event_ms",
  transferSize: "browser.transfer_size",
  navigationType: "browser.navigation.type",
} as const;

/** Browser telemetry over `tracer` and `meter`; either may be absent (telemetry off). */
export function browserTelemetry(
  tracer: Tracer | undefined,
  meter: Meter | undefined,
): BrowserTelemetry {
  const beacons = meter?.createCounter("app.rum.beacons", {
    unit: "{beacon}",
    description: "Browser timing beacons received on POST /rum, by outcome.",
  });
  return {
    record(timings, sampled) {
      if (tracer !== undefined && sampled) recordSpans(tracer, timings);
    },
    counted(outcome) {
      beacons?.add(1, { outcome });
    },
  };
}

/**
 * The page's spans. The browser's clock is not the server's, so its figures are placed on the
 * server's: the navigation started `requestStart` ms before the SERVER span did (as if the
 * request took no time on the wire).
 */
function recordSpans(tracer: Tracer, timings: PageTimings): void {
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: timings.traceId,
    spanId: timings.spanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  const nav = timings.navigation;
  const origin = timings.serverStartMs - nav.requestStart;
  const end = Math.max(nav.loadEventEnd, nav.domComplete, nav.responseEnd, nav.requestStart);
  const attributes: Attributes = {
    [ATTR_URL_PATH]: timings.path,
    [BROWSER_TIMING.dns]: since(nav.domainLookupStart, nav.domainLookupEnd),
    [BROWSER_TIMING.connect]: since(nav.connectStart, nav.connectEnd),
    [BROWSER_TIMING.tls]: nav.secureConnectionStart > 0
      ? since(nav.secureConnectionStart, nav.connectEnd)
      : 0,
    [BROWSER_TIMING.request]: since(nav.requestStart, nav.responseStart),
    [BROWSER_TIMING.response]: since(nav.responseStart, nav.responseEnd),
    [BROWSER_TIMING.domInteractive]: nav.domInteractive,
    [BROWSER_TIMING.domComplete]: nav.domComplete,
    [BROWSER_TIMING.loadEvent]: since(nav.loadEventStart, nav.loadEventEnd),
    [BROWSER_TIMING.transferSize]: nav.transferSize,
    [BROWSER_TIMING.navigationType]: nav.type,
  };
  if (timings.userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = timings.userAgent;
  if (nav.responseStatus > 0) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = nav.responseStatus;
  // The document-load instrumentation of opentelemetry-js-contrib makes its spans INTERNAL,
  // its fetch instrumentation CLIENT: the same kinds here.
  const pageLoad = tracer.startSpan(
    "browser.page_load",
    { kind: SpanKind.INTERNAL, startTime: origin, attributes },
    parent,
  );
  pageLoad.end(origin + end);
  for (const fetch of timings.fetches) recordFetch(tracer, parent, origin, fetch, timings);
}

function recordFetch(
  tracer: Tracer,
  parent: ReturnType<typeof trace.setSpanContext>,
  origin: number,
  fetch: FetchTimings,
  timings: PageTimings,
): void {
  const attributes: Attributes = {
    [ATTR_URL_PATH]: fetch.path,
    [BROWSER_TIMING.request]: since(fetch.requestStart, fetch.responseStart),
    [BROWSER_TIMING.response]: since(fetch.responseStart, fetch.responseEnd),
    [BROWSER_TIMING.transferSize]: fetch.transferSize,
  };
  if (timings.userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = timings.userAgent;
  if (fetch.responseStatus > 0) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = fetch.responseStatus;
  const span: Span = tracer.startSpan(
    "browser.fetch",
    { kind: SpanKind.CLIENT, startTime: origin + fetch.startTime, attributes },
    parent,
  );
  span.end(origin + Math.max(fetch.responseEnd, fetch.startTime));
}

/** `to - from`, or 0 where the browser measured nothing (a reused connection). */
function since(from: number, to: number): number {
  return to > from ? to - from : 0;
}

/**
 * When `span` started, in milliseconds since the epoch: the SDK's spans carry it (`startTime`,
 * an HrTime); undefined for a span that does not (a non-recording one).
 */
export function spanStartMs(span: Span): number | undefined {
  const start = (span as { startTime?: unknown }).startTime;
  if (!Array.isArray(start) || start.length !== 2) return undefined;
  const [seconds, nanos] = start as [unknown, unknown];
  if (typeof seconds !== "number" || typeof nanos !== "number") return undefined;
  return seconds * 1000 + Math.floor(nanos / 1e6);
}
