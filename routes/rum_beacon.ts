/**
 * @module The shape of a page's timing beacon (POST /rum), checked field by field: nothing the
 * browser sends is passed on unless it is a known field of the right kind and size.
 */

import type { FetchTimings, NavigationTimings } from "../telemetry/browser_spans.ts";

/** The largest beacon accepted, in bytes. */
export const MAX_BEACON_BYTES = 8 * 1024;
/** Most fetch entries one beacon may carry. */
export const MAX_BEACON_FETCHES = 20;
/** Every timing must be below this (an hour, in milliseconds). */
export const MAX_TIMING_MS = 3_600_000;
/** The longest path kept (longer ones are clipped). */
export const MAX_PATH_CHARS = 300;

/** A beacon whose shape is right (its signature is not checked yet). */
export interface Beacon {
  /** The page's traceparent, as its `<meta name="traceparent">` holds it. */
  readonly traceparent: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
  /** When the page's context was issued (ms since the epoch), from its signed meta. */
  readonly issuedAtMs: number;
  readonly signature: string;
  /** The page's path (`location.pathname`). */
  readonly path: string;
  readonly navigation: NavigationTimings;
  readonly fetches: readonly FetchTimings[];
}

/** A beacon that does not have the shape; the message says what is wrong. */
export class BeaconShapeError extends Error {
  override name = "BeaconShapeError";
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const NAVIGATION_TYPES = new Set(["navigate", "reload", "back_forward", "prerender"]);
const NAVIGATION_TIMES = [
  "domainLookupStart",
  "domainLookupEnd",
  "connectStart",
  "connectEnd",
  "secureConnectionStart",
  "requestStart",
  "responseStart",
  "responseEnd",
  "domInteractive",
  "domComplete",
  "loadEventStart",
  "loadEventEnd",
] as const;
const FETCH_TIMES = ["startTime", "requestStart", "responseStart", "responseEnd"] as const;

/**
 * Checks a parsed JSON body: `traceparent`, `issued_at`, `signature`, `path`, `navigation` (the
 * PerformanceNavigationTiming figures by their browser names) and optional `fetches`. Unknown
 * fields are ignored; paths are clipped to {@link MAX_PATH_CHARS}.
 * @throws {BeaconShapeError} naming the first field that is missing or wrong.
 */
export function parseBeacon(value: unknown): Beacon {
  const body = object(value, "the body");
  const traceparent = string(body.traceparent, "traceparent", 55);
  const match = TRACEPARENT.exec(traceparent);
  if (match === null || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) {
    throw new BeaconShapeError("traceparent must be a W3C traceparent of version 00");
  }
  const issuedAtMs = body.issued_at;
  if (typeof issuedAtMs !== "number" || !Number.isSafeInteger(issuedAtMs) || issuedAtMs <= 0) {
    throw new BeaconShapeError("issued_at must be a whole number of milliseconds");
  }
  const signature = string(body.signature, "signature", 64);
  const path = pathOf(body.path, "path");
  const nav = object(body.navigation, "navigation");
  const times = Object.fromEntries(
    NAVIGATION_TIMES.map((name) => [name, timing(nav[name], `navigation.${name}`)]),
  ) as Record<(typeof NAVIGATION_TIMES)[number], number>;
  const type = nav.type === undefined ? "navigate" : string(nav.type, "navigation.type", 20);
  if (!NAVIGATION_TYPES.has(type)) {
    throw new BeaconShapeError(`navigation.type must be one of ${[...NAVIGATION_TYPES]}`);
  }
  const navigation: NavigationTimings = {
    ...times,
    transferSize: size(nav.transferSize, "navigation.transferSize"),
    responseStatus: status(nav.responseStatus, "navigation.responseStatus"),
    type,
  };
  const fetches = body.fetches === undefined ? [] : body.fetches;
  if (!Array.isArray(fetches)) throw new BeaconShapeError("fetches must be an array");
  if (fetches.length > MAX_BEACON_FETCHES) {
    throw new BeaconShapeError(`fetches may hold at most ${MAX_BEACON_FETCHES} entries`);
  }
  return {
    traceparent,
    traceId: match[1]!,
    spanId: match[2]!,
    sampled: (parseInt(match[3]!, 16) & 1) === 1,
    issuedAtMs,
    signature,
    path,
    navigation,
    fetches: fetches.map((entry, i) => fetchOf(entry, `fetches[${i}]`)),
  };
}

function fetchOf(value: unknown, name: string): FetchTimings {
  const entry = object(value, name);
  const times = Object.fromEntries(
    FETCH_TIMES.map((field) => [field, timing(entry[field], `${name}.${field}`)]),
  ) as Record<(typeof FETCH_TIMES)[number], number>;
  return {
    ...times,
    path: pathOf(entry.path, `${name}.path`),
    transferSize: size(entry.transferSize, `${name}.transferSize`),
    responseStatus: status(entry.responseStatus, `${name}.responseStatus`),
  };
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BeaconShapeError(`${name} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function string(value: unknown, name: string, maxChars: number): string {
  if (typeof value !== "string" || value === "") {
    throw new BeaconShapeError(`${name} must be a non-empty string`);
  }
  if (value.length > maxChars) {
    throw new BeaconShapeError(`${name} must be at most ${maxChars} characters`);
  }
  return value;
}

/** A path of this origin: it starts with one "/"; clipped, not refused, when long. */
function pathOf(value: unknown, name: string): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) {
    throw new BeaconShapeError(`${name} must be a path starting with "/"`);
  }
  return [...value].slice(0, MAX_PATH_CHARS).join("");
}

/** A time in milliseconds: finite, at least 0, under an hour. */
function timing(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new BeaconShapeError(`${name} must be a finite number of at least 0`);
  }
  if (value >= MAX_TIMING_MS) throw new BeaconShapeError(`${name} must be under an hour`);
  return value;
}

/** A size in bytes: a whole number, at least 0, under a gigabyte; 0 when left out. */
function size(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value >= 2 ** 30) {
    throw new BeaconShapeError(`${name} must be a whole number of bytes under 1 GiB`);
  }
  return value;
}

/** An HTTP status (100-599), or 0 when the browser did not tell it or it was left out. */
function status(value: unknown, name: string): number {
  if (value === undefined || value === 0) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 100 || value > 599) {
    throw new BeaconShapeError(`${name} must be an HTTP status from 100 to 599, or 0`);
  }
  return value;
}
