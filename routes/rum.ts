/**
 * @module `POST /rum`: a page's timing beacon, checked (rate, size, shape, signature, age) and
 * turned into spans of the page's trace. Client-supplied telemetry is never passed on as sent.
 */

import { Hono } from "hono";
import { ClientGoneError } from "../http/client_gone.ts";
import type { AppEnv } from "../http/context.ts";
import { ApiError, type ProblemCode } from "../http/problem.ts";
import type { RateLimiter } from "../http/rate_limit.ts";
import type { ReplayGuard } from "../lib/replay_guard.ts";
import type { RumSigner } from "../lib/rum_signature.ts";
import type { BeaconOutcome, BrowserTelemetry } from "../telemetry/browser_spans.ts";
import { BeaconShapeError, MAX_BEACON_BYTES, parseBeacon } from "./rum_beacon.ts";

/** Where beacons are sent. */
export const RUM_PATH = "/rum";

/** The longest User-Agent kept on the browser spans. */
const MAX_USER_AGENT_CHARS = 512;

/** What the beacon route needs. */
export interface RumDeps {
  readonly signer: RumSigner;
  /** RUM_CONTEXT_MAX_AGE: how old a page's context may be. */
  readonly maxAgeMs: number;
  /** RATE_LIMIT_RUM, per client address. */
  readonly limiter: RateLimiter;
  /** The pages whose beacon this instance took already: one beacon per page. */
  readonly replays: ReplayGuard;
  readonly telemetry: BrowserTelemetry;
  /** Milliseconds since the epoch (default: Date.now). */
  readonly now?: () => number;
}

/** A refusal, counted under `outcome` and answered as `code`. */
class Refusal extends ApiError {
  constructor(
    readonly outcome: Exclude<BeaconOutcome, "accepted">,
    code: ProblemCode,
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(code, detail, headers);
  }
}

/** `POST /rum`: 204 when the beacon is accepted, else a problem answer (each refusal counted). */
export function rumRoutes(deps: RumDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now;
  return new Hono<AppEnv>().post(RUM_PATH, async (c) => {
    try {
      const decision = deps.limiter.take(c.get("clientIp") ?? "unknown");
      if (!decision.allowed) {
        const seconds = decision.retryAfterSeconds;
        throw new Refusal(
          "rate_limited",
          "rate_limited",
          `Too many timing beacons from this address: try again in ${seconds} s`,
          { "retry-after": String(seconds) },
        );
      }
      const beacon = parseBeacon(await readBody(c.req.raw));
      const nowMs = now();
      const refused = deps.signer.verify(beacon, beacon.signature, {
        maxAgeMs: deps.maxAgeMs,
        nowMs,
      });
      if (refused === "bad_signature") {
        throw new Refusal(
          "bad_signature",
          "forbidden",
          "This page context was not issued by this service",
        );
      }
      if (refused === "expired") {
        throw new Refusal(
          "expired",
          "forbidden",
          `This page context is older than ${deps.maxAgeMs / 1000} s, or from the future`,
        );
      }
      // After the signature: only a context issued here takes a place in the guard.
      const page = `${beacon.traceId}-${beacon.spanId}`;
      if (!deps.replays.firstSighting(page, beacon.issuedAtMs + deps.maxAgeMs, nowMs)) {
        throw new Refusal("duplicate", "conflict", "This page's beacon was taken already");
      }
      deps.telemetry.record({
        traceId: beacon.traceId,
        spanId: beacon.spanId,
        serverStartMs: beacon.issuedAtMs,
        path: beacon.path,
        userAgent: c.req.header("user-agent")?.slice(0, MAX_USER_AGENT_CHARS),
        navigation: beacon.navigation,
        fetches: beacon.fetches,
      }, beacon.sampled);
      deps.telemetry.counted("accepted");
      return c.body(null, 204);
    } catch (error) {
      if (error instanceof Refusal) deps.telemetry.counted(error.outcome);
      else if (error instanceof BeaconShapeError) {
        deps.telemetry.counted("invalid");
        throw new ApiError("invalid_body", `Cannot take this beacon: ${error.message}`);
      }
      throw error;
    }
  });
}

/** The body as JSON: sent as `application/json`, at most MAX_BEACON_BYTES. */
async function readBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new Refusal("invalid", "unsupported_media_type", "A beacon is sent as application/json");
  }
  const tooLarge = () =>
    new Refusal(
      "too_large",
      "payload_too_large",
      `A beacon may be at most ${MAX_BEACON_BYTES} bytes`,
    );
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BEACON_BYTES) throw tooLarge();
  let bytes;
  try {
    bytes = new Uint8Array(await request.arrayBuffer());
  } catch (error) {
    throw new ClientGoneError("The connection ended while the body was being read", {
      cause: error,
    });
  }
  if (bytes.byteLength > MAX_BEACON_BYTES) throw tooLarge();
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new Refusal("invalid", "malformed_json", "The beacon is not UTF-8 JSON");
  }
}
