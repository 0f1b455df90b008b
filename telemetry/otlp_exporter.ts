/**
 * @module OTLP/HTTP protobuf export over `fetch`, shared by every signal.
 *
 * The npm OTLP exporters send through `node:http`, which under Deno ignores DENO_CERT and
 * any CA we hand it (measured: an HTTPS collector with a private CA fails with
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE), and a compiled Deno binary has been reported to time
 * out on HTTPS export. `fetch` honours DENO_CERT, the system store and a CA file, and gives
 * us a timeout, gzip and failure accounting in one place. Logs are serialized by the SDK
 * (`@opentelemetry/otlp-transformer`); spans, the bulk of the bytes, by
 * telemetry/otlp_trace_encoder.ts, which writes the same bytes faster; metrics by
 * telemetry/otlp_metrics_encoder.ts, which adds the histogram exemplars the SDK never writes.
 */

import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { errorMessage } from "../lib/error_message.ts";
import { FailureLogThrottle } from "../lib/failure_log_throttle.ts";
import { settlesWithin } from "../lib/settles_within.ts";
import type { Logger } from "./log.ts";
import type { OtlpEndpointConfig } from "../config/telemetry_config.ts";
import { OtlpTraceEncoder } from "./otlp_trace_encoder.ts";
import { EXPORTER_USER_AGENT } from "./scope.ts";

/** A telemetry signal, as named in metrics and log lines. */
export type Signal = "traces" | "metrics" | "logs";

/** What one sender has done so far. */
export interface ExportStats {
  /** Items (spans, points, records) the collector accepted. */
  readonly exportedItems: number;
  /** Items in requests that failed (refused, timed out, unreachable): lost. */
  readonly failedItems: number;
  /** Requests that failed. */
  readonly failedRequests: number;
}

/** Sends serialized OTLP requests to one endpoint. */
export interface OtlpSender {
  /** POSTs `body` (holding `items` items); never rejects. */
  send(body: Uint8Array, items: number): Promise<ExportResult>;
  /** Waits for the requests still running, then releases the HTTP client. */
  shutdown(): Promise<void>;
  /** Gives up on the requests still running (their items count as failed). */
  abort(): void;
  stats(): ExportStats;
}

/**
 * Why an export request failed, as the transport saw it: an HTTP answer other than 2xx, no
 * answer within the timeout, a network error from `fetch` (DNS, refused, TLS: see
 * telemetry/fetch_failure.ts), or the request given up at shutdown.
 */
export type ExportFailure =
  | { readonly kind: "status"; readonly status: number; readonly statusText: string }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "network"; readonly error: unknown }
  | { readonly kind: "abandoned" };

/** The error of a failed export result: the message the service logs, and why it failed. */
export class OtlpExportError extends Error {
  /** What went wrong, for a caller that explains it (`otel-board check-telemetry`). */
  readonly failure: ExportFailure;
  constructor(message: string, failure: ExportFailure) {
    super(message);
    this.name = "OtlpExportError";
    this.failure = failure;
  }
}

const RETRYABLE = new Set([429, 502, 503, 504]);
const FAILURE_LOG_INTERVAL_MS = 30_000;

/**
 * A sender for `endpoint`, naming otel-board and its version in `User-Agent`. Retryable answers (429, 502, 503, 504) are retried with
 * backoff while the export timeout allows; failures are counted and logged at most once
 * every 30 s, and a recovery is logged once.
 */
export function createOtlpSender(
  signal: Signal,
  endpoint: OtlpEndpointConfig,
  logger: Logger,
): OtlpSender {
  const client = endpoint.certificatePath === undefined
    ? undefined
    : Deno.createHttpClient({ caCerts: [readCertificate(endpoint.certificatePath)] });
  const stopping = new AbortController();
  const scoped = logger.scoped(import.meta.url);
  // Export runs on a timer that may have been armed inside some request: its log lines
  // belong to no request's trace.
  const log = (level: "info" | "warn", msg: string, attributes: Record<string, unknown>) =>
    context.with(ROOT_CONTEXT, () => scoped[level](msg, attributes));
  // OTEL_EXPORTER_OTLP_HEADERS may set its own User-Agent; it wins, as any configured header.
  const headers = {
    "user-agent": EXPORTER_USER_AGENT,
    ...endpoint.headers,
    "content-type": "application/x-protobuf",
    ...(endpoint.compression === "gzip" ? { "content-encoding": "gzip" } : {}),
  };
  let exportedItems = 0;
  let failedItems = 0;
  let failedRequests = 0;
  const failureLog = new FailureLogThrottle(FAILURE_LOG_INTERVAL_MS);
  let failing = false;

  function failed(items: number, reason: string, failure: ExportFailure): ExportResult {
    failedItems += items;
    failedRequests++;
    failing = true;
    const unreported = failureLog.failed();
    if (unreported !== undefined) {
      log("warn", `Cannot export ${signal} to the collector: ${reason}`, {
        signal,
        endpoint: endpoint.url,
        failed_requests: unreported,
        failed_items_total: failedItems,
      });
    }
    return { code: ExportResultCode.FAILED, error: new OtlpExportError(reason, failure) };
  }

  const inFlight = new Set<Promise<ExportResult>>();

  function send(body: Uint8Array, items: number): Promise<ExportResult> {
    const sending = attempt(body, items);
    inFlight.add(sending);
    sending.finally(() => inFlight.delete(sending));
    return sending;
  }

  async function attempt(body: Uint8Array, items: number): Promise<ExportResult> {
    const deadline = performance.now() + endpoint.timeoutMs;
    const payload = (endpoint.compression === "gzip" ? await gzip(body) : body) as Uint8Array<
      ArrayBuffer
    >;
    const timedOut = () =>
      failed(items, `no answer within ${endpoint.timeoutMs} ms`, {
        kind: "timeout",
        timeoutMs: endpoint.timeoutMs,
      });
    for (let attempt = 0;; attempt++) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return timedOut();
      let response: Response;
      try {
        response = await fetch(endpoint.url, {
          method: "POST",
          headers,
          body: payload,
          signal: AbortSignal.any([AbortSignal.timeout(remaining), stopping.signal]),
          ...(client === undefined ? {} : { client }),
        });
      } catch (error) {
        if (stopping.signal.aborted) {
          return failed(items, "abandoned at shutdown", { kind: "abandoned" });
        }
        const timeout = error instanceof DOMException &&
          (error.name === "TimeoutError" || error.name === "AbortError");
        return timeout ? timedOut() : failed(items, describe(error), { kind: "network", error });
      }
      await response.body?.cancel();
      if (response.ok) {
        exportedItems += items;
        if (failing) {
          log("info", `Export of ${signal} to the collector works again`, { signal });
          failing = false;
        }
        return { code: ExportResultCode.SUCCESS };
      }
      const refused = () =>
        failed(items, `the collector answered ${response.status}`, {
          kind: "status",
          status: response.status,
          statusText: response.statusText,
        });
      if (!RETRYABLE.has(response.status)) return refused();
      const wait = Math.min(
        retryAfterMs(response.headers.get("retry-after")) ?? 100 * 2 ** attempt,
        deadline - performance.now(),
      );
      if (wait <= 0) return refused();
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  return {
    send,
    async shutdown() {
      await Promise.allSettled([...inFlight]);
      client?.close();
    },
    abort: () => stopping.abort(),
    stats: () => ({ exportedItems, failedItems, failedRequests }),
  };
}

/** An SDK exporter (span, metric or log) that serializes `T` and sends it with `sender`. */
export interface OtlpExporter<T> {
  export(items: T, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

/**
 * An exporter of `T` for one signal: `serialize` writes the protobuf request (a throw or
 * `undefined` fails the export) and `count` says how many items a request holds (for the
 * failure counters).
 */
export function otlpExporter<T>(
  sender: OtlpSender,
  serialize: (items: T) => Uint8Array | undefined,
  count: (items: T) => number,
): OtlpExporter<T> {
  return {
    export(items, done) {
      let body: Uint8Array | undefined;
      try {
        body = serialize(items);
      } catch (error) {
        done({ code: ExportResultCode.FAILED, error: error as Error });
        return;
      }
      if (body === undefined) {
        done({ code: ExportResultCode.FAILED, error: new Error("Cannot serialize telemetry") });
        return;
      }
      sender.send(body, count(items)).then(done);
    },
    shutdown: () => sender.shutdown(),
    forceFlush: () => Promise.resolve(),
  };
}

/**
 * A span exporter that encodes with telemetry/otlp_trace_encoder.ts (the SDK serializer's
 * bytes, about five times faster) and sends with `sender`.
 */
export function otlpSpanExporter(sender: OtlpSender): SpanExporter {
  const encoder = new OtlpTraceEncoder();
  return otlpExporter<ReadableSpan[]>(
    sender,
    (spans) => encoder.encode(spans),
    (spans) => spans.length,
  );
}

/**
 * Waits for `stopping` (a provider's shutdown) at most `timeoutMs`; past that, `abort`s
 * the exports still running and waits for the provider to notice. True when in time.
 */
export async function stopWithin(
  stopping: Promise<unknown>,
  timeoutMs: number,
  abort: () => void,
): Promise<boolean> {
  const inTime = await settlesWithin(stopping, timeoutMs);
  if (!inTime) {
    abort();
    await stopping.catch(() => {});
  }
  return inTime;
}

/** Reads a PEM CA file named by OTEL_EXPORTER_OTLP_*_CERTIFICATE. */
function readCertificate(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw new Error(`Cannot read the OTLP CA certificate "${path}": ${describe(error)}`);
  }
}

async function gzip(body: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([body as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error
    ? `: ${error.cause.message}`
    : "";
  return `${errorMessage(error)}${cause}`;
}
