/**
 * @module Timing beacons as a page's script sends them (POST /rum), built from a page's HTML, for
 * tests that check what the server accepts, refuses and makes of them.
 */

/** The trace context a page hands its beacon: the meta elements of its head. */
export interface IssuedPage {
  readonly traceparent: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly issuedAtMs: number;
  readonly signature: string;
  readonly path: string;
}

/** Reads the page's `<meta name="traceparent">` and `<meta name="otel-board-rum">`; `path` is its own. */
export function issuedPage(html: string, path: string): IssuedPage {
  const traceparent = /<meta name="traceparent" content="([^"]+)"/.exec(html)?.[1];
  const signed = /<meta name="otel-board-rum" content="(\d+)\.([^"]+)"/.exec(html);
  if (traceparent === undefined || signed === null) {
    throw new Error(`The page ${path} carries no signed trace context`);
  }
  const [, traceId = "", spanId = ""] = traceparent.split("-");
  return {
    traceparent,
    traceId,
    spanId,
    issuedAtMs: Number(signed[1]),
    signature: signed[2]!,
    path,
  };
}

/** Navigation Timing figures of a plausible page load (ms since navigation start). */
export const SAMPLE_NAVIGATION = Object.freeze({
  domainLookupStart: 1,
  domainLookupEnd: 3,
  connectStart: 3,
  connectEnd: 9,
  secureConnectionStart: 5,
  requestStart: 10,
  responseStart: 30,
  responseEnd: 35,
  domInteractive: 60,
  domComplete: 90,
  loadEventStart: 91,
  loadEventEnd: 95,
  transferSize: 4321,
  responseStatus: 200,
  type: "navigate",
});

/** The JSON body a page's script sends for `page`, with `changes` over its fields. */
export function beaconBody(
  page: IssuedPage,
  changes: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return {
    traceparent: page.traceparent,
    issued_at: page.issuedAtMs,
    signature: page.signature,
    path: page.path,
    navigation: { ...SAMPLE_NAVIGATION },
    fetches: [],
    ...changes,
  };
}

/** A POST of `body` as the script sends it (`application/json`); a string is sent as it is. */
export function beaconRequest(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}
