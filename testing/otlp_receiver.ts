/**
 * @module A real OTLP/HTTP protobuf receiver for tests: it answers export requests as a test
 * tells it (ok, an error status, or hang) and keeps every request, decoded by otlp_decode.ts.
 */

import { fileURLToPath } from "node:url";
import { errorMessage } from "../lib/error_message.ts";
import {
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  type ReceivedLog,
  type ReceivedMetric,
  type ReceivedSpan,
} from "./otlp_decode.ts";
import { type OtlpSignal, RESPONSE_TYPES, RPC_STATUS_TYPE } from "./otlp_proto.ts";
import { poll } from "./poll.ts";

/** Absolute path of the test CA certificate that signed the receiver's TLS certificate. */
export const TEST_CA_PATH: string = fileURLToPath(
  new URL("../tests/fixtures/tls/ca.pem", import.meta.url),
);
const SERVER_CERT_PATH = fileURLToPath(
  new URL("../tests/fixtures/tls/server.pem", import.meta.url),
);
const SERVER_KEY_PATH = fileURLToPath(
  new URL("../tests/fixtures/tls/server-key.pem", import.meta.url),
);

/** One HTTP request that reached an OTLP route, whatever the receiver answered. */
export interface ReceivedRequest {
  readonly signal: OtlpSignal;
  readonly path: string;
  readonly headers: Headers;
  readonly contentType: string | null;
  readonly contentEncoding: string | null;
  /** Size of the body as sent (before gunzip). */
  readonly bodyBytes: number;
  /** True once the receiver answered it 200; false while held or when answered otherwise. */
  readonly accepted: boolean;
  /** Why the body could not be decoded (answered 400/415), else undefined. */
  readonly decodeError: string | undefined;
  /** What the body held (only the array of its own signal can be non-empty). */
  readonly spans: readonly ReceivedSpan[];
  readonly metrics: readonly ReceivedMetric[];
  readonly logs: readonly ReceivedLog[];
}

/** How the receiver answers export requests. */
export type ReceiverMode =
  | { kind: "ok" }
  | { kind: "status"; status: number; retryAfterSeconds?: number }
  | { kind: "hang" };

/** Options of {@link OtlpReceiver.spans} and its siblings. */
export interface ReceivedItemsOptions {
  /** Also return items of requests that were not answered 200. Default false. */
  includeRejected?: boolean;
}

/** A running OTLP/HTTP receiver; close it (or `await using` it) to stop the server. */
export interface OtlpReceiver extends AsyncDisposable {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:1234`. */
  readonly url: string;
  readonly port: number;
  /** Changes how later requests are answered; requests held by "hang" are answered anew. */
  setMode(mode: ReceiverMode): void;
  /** Every request to an OTLP route, in arrival order. */
  readonly requests: readonly ReceivedRequest[];
  /** Spans of accepted requests (all requests with `includeRejected`). */
  spans(options?: ReceivedItemsOptions): ReceivedSpan[];
  /** Metric data points of accepted requests (all requests with `includeRejected`). */
  metrics(options?: ReceivedItemsOptions): ReceivedMetric[];
  /** Log records of accepted requests (all requests with `includeRejected`). */
  logs(options?: ReceivedItemsOptions): ReceivedLog[];
  /**
   * Polls `read` every 15 ms until it returns something other than `undefined` or `false`.
   * @returns what `read` returned
   * @throws Error naming `what` after `timeoutMs` (default 5000)
   */
  waitFor<T>(
    read: () => T | undefined | false,
    options?: { timeoutMs?: number; what?: string },
  ): Promise<T>;
  /** Answers held requests 503 and stops the server; safe to call twice. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The server.

const ROUTES: Record<string, OtlpSignal> = {
  "/v1/traces": "traces",
  "/v1/metrics": "metrics",
  "/v1/logs": "logs",
};

type MutableRequest = { -readonly [K in keyof ReceivedRequest]: ReceivedRequest[K] };

async function readBody(request: Request): Promise<Uint8Array> {
  return new Uint8Array(await request.arrayBuffer());
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function decodeSignal(record: MutableRequest, bytes: Uint8Array): void {
  if (record.signal === "traces") record.spans = decodeTraces(bytes);
  else if (record.signal === "metrics") record.metrics = decodeMetrics(bytes);
  else record.logs = decodeLogs(bytes);
}

function protobufResponse(status: number, body: Uint8Array, headers: HeadersInit = {}): Response {
  return new Response(body as Uint8Array<ArrayBuffer>, {
    status,
    headers: { "content-type": "application/x-protobuf", ...headers },
  });
}

function rpcStatus(status: number, message: string, headers: HeadersInit = {}): Response {
  // google.rpc.Status.code carries a gRPC code; 14 (UNAVAILABLE) fits every status used here.
  const body = RPC_STATUS_TYPE.encode(RPC_STATUS_TYPE.fromObject({ code: 14, message })).finish();
  return protobufResponse(status, body, headers);
}

/**
 * Starts an OTLP/HTTP protobuf receiver on 127.0.0.1 with a free port.
 * @param options `tls: true` serves HTTPS with the fixture certificate signed by TEST_CA_PATH
 * (valid for localhost, 127.0.0.1 and ::1 only); `hostname` is another loopback address to
 * listen on (default 127.0.0.1), e.g. 127.0.0.2 for a certificate that does not name it
 * @returns the running receiver, in mode `{ kind: "ok" }`
 */
export async function startOtlpReceiver(
  options: { tls?: boolean; hostname?: string } = {},
): Promise<OtlpReceiver> {
  const requests: MutableRequest[] = [];
  let mode: ReceiverMode = { kind: "ok" };
  let closed = false;
  // Resolvers of requests held by "hang"; called on setMode and close.
  const held = new Set<() => void>();
  const releaseHeld = () => {
    for (const release of [...held]) release();
  };

  async function answer(request: Request, record: MutableRequest): Promise<Response> {
    while (mode.kind === "hang" && !closed && !request.signal.aborted) {
      await new Promise<void>((resolve) => {
        const release = () => {
          held.delete(release);
          request.signal.removeEventListener("abort", release);
          resolve();
        };
        held.add(release);
        request.signal.addEventListener("abort", release);
      });
    }
    if (closed) return rpcStatus(503, "OTLP test receiver closed");
    if (request.signal.aborted) return rpcStatus(499, "Client went away");
    if (mode.kind === "status") {
      const headers: Record<string, string> = {};
      if (mode.retryAfterSeconds !== undefined) {
        headers["retry-after"] = String(mode.retryAfterSeconds);
      }
      return rpcStatus(mode.status, `OTLP test receiver answers ${mode.status}`, headers);
    }
    record.accepted = true;
    const type = RESPONSE_TYPES[record.signal];
    return protobufResponse(200, type.encode(type.create({})).finish());
  }

  async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const signal = ROUTES[path];
    if (signal === undefined) {
      await request.body?.cancel();
      return new Response("Not found", { status: 404 });
    }
    if (request.method !== "POST") {
      await request.body?.cancel();
      return new Response("Method not allowed", { status: 405, headers: { allow: "POST" } });
    }
    const raw = await readBody(request);
    const contentType = request.headers.get("content-type");
    const contentEncoding = request.headers.get("content-encoding");
    const record: MutableRequest = {
      signal,
      path,
      headers: request.headers,
      contentType,
      contentEncoding,
      bodyBytes: raw.byteLength,
      accepted: false,
      decodeError: undefined,
      spans: [],
      metrics: [],
      logs: [],
    };
    requests.push(record);
    if (contentType?.split(";")[0]?.trim().toLowerCase() !== "application/x-protobuf") {
      record.decodeError = `Unsupported content-type: ${contentType}`;
      return new Response(record.decodeError, { status: 415 });
    }
    try {
      const encoding = contentEncoding?.trim().toLowerCase() ?? "identity";
      if (encoding !== "gzip" && encoding !== "identity") {
        record.decodeError = `Unsupported content-encoding: ${contentEncoding}`;
        return new Response(record.decodeError, { status: 415 });
      }
      decodeSignal(record, encoding === "gzip" ? await gunzip(raw) : raw);
    } catch (error: unknown) {
      record.decodeError = `Cannot decode ${signal} request: ${errorMessage(error)}`;
      return new Response(record.decodeError, { status: 400 });
    }
    return await answer(request, record);
  }

  const tls = options.tls
    ? {
      cert: await Deno.readTextFile(SERVER_CERT_PATH),
      key: await Deno.readTextFile(SERVER_KEY_PATH),
    }
    : {};
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Deno.serve({
    hostname,
    port: 0,
    onListen: () => {},
    // Only reading a body the client abandoned can throw in `handle`; answer without a log line.
    onError: () => new Response("Internal error", { status: 500 }),
    ...tls,
  }, handle);
  const port = server.addr.port;
  const url = `${options.tls ? "https" : "http"}://${hostname}:${port}`;

  function items<T>(
    pick: (request: ReceivedRequest) => readonly T[],
    options: ReceivedItemsOptions = {},
  ): T[] {
    return requests.filter((request) => options.includeRejected || request.accepted)
      .flatMap((request) => [...pick(request)]);
  }

  async function close(): Promise<void> {
    if (!closed) {
      closed = true;
      releaseHeld();
      // Graceful: the released requests get their 503 before the connections close.
      await server.shutdown();
    }
    await server.finished;
  }

  return {
    url,
    port,
    requests,
    setMode(next: ReceiverMode): void {
      mode = next;
      releaseHeld();
    },
    spans: (options) => items((request) => request.spans, options),
    metrics: (options) => items((request) => request.metrics, options),
    logs: (options) => items((request) => request.logs, options),
    waitFor<T>(
      read: () => T | undefined | false,
      options: { timeoutMs?: number; what?: string } = {},
    ): Promise<T> {
      return poll(read, {
        what: options.what ?? "a condition",
        timeoutMs: options.timeoutMs ?? 5000,
        intervalMs: 15,
        detail: () =>
          `the receiver got ${requests.length} request(s) (${
            requests.filter((request) => request.accepted).length
          } accepted)`,
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Settings that export every signal over OTLP to `url`, promptly (metrics every 200 ms, span and
 * log batches every 50 ms), with `extra` over them.
 */
export function allSignalsTo(
  url: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_METRICS_EXPORTER: "otlp",
    OTEL_LOGS_EXPORTER: "otlp",
    OTEL_METRIC_EXPORT_INTERVAL: "200",
    OTEL_BSP_SCHEDULE_DELAY: "50",
    OTEL_BLRP_SCHEDULE_DELAY: "50",
    ...extra,
  };
}
