/**
 * @module A cheap OTLP/HTTP sink for the benchmark: answers 200 at once and only counts
 * requests and bytes per server and signal. Trace bodies are kept, undecoded, until the
 * runner takes them between timed windows; of metrics only the latest body is kept.
 */

/** The three OTLP signals. */
export type SinkSignal = "traces" | "metrics" | "logs";

/** Requests and bytes received for one signal. */
export interface SignalCount {
  requests: number;
  bytes: number;
}

/** What the sink holds for one exporting server. */
export interface SinkChannel {
  readonly counts: Record<SinkSignal, SignalCount>;
  /** Trace bodies received since the last `takeTraceBodies()`. */
  takeTraceBodies(): Uint8Array[];
  /** The most recent metrics body (cumulative counters: the last one holds the totals). */
  readonly lastMetricsBody: Uint8Array | undefined;
}

/** A running sink; each server exports to its own base URL (`endpointFor`). */
export interface OtlpSink extends AsyncDisposable {
  readonly port: number;
  /** The OTEL_EXPORTER_OTLP_ENDPOINT for a server named `id` (letters, digits, `-`). */
  endpointFor(id: string): string;
  channel(id: string): SinkChannel;
}

const SIGNALS: Record<string, SinkSignal> = {
  "/v1/traces": "traces",
  "/v1/metrics": "metrics",
  "/v1/logs": "logs",
};

interface MutableChannel extends SinkChannel {
  traceBodies: Uint8Array[];
  lastMetricsBody: Uint8Array | undefined;
}

/** Starts the sink on 127.0.0.1 with a free port. */
export function startOtlpSink(): OtlpSink {
  const channels = new Map<string, MutableChannel>();
  const channel = (id: string): MutableChannel => {
    let found = channels.get(id);
    if (found === undefined) {
      const created: MutableChannel = {
        counts: {
          traces: { requests: 0, bytes: 0 },
          metrics: { requests: 0, bytes: 0 },
          logs: { requests: 0, bytes: 0 },
        },
        traceBodies: [],
        lastMetricsBody: undefined,
        takeTraceBodies() {
          return created.traceBodies.splice(0, created.traceBodies.length);
        },
      };
      channels.set(id, created);
      found = created;
    }
    return found;
  };

  // Paths are /s/<id>/v1/<signal>; anything else is a 404.
  async function handle(request: Request): Promise<Response> {
    const url = request.url;
    const start = url.indexOf("/s/");
    const slash = start < 0 ? -1 : url.indexOf("/", start + 3);
    const signal = slash < 0 ? undefined : SIGNALS[url.slice(slash)];
    if (signal === undefined || request.method !== "POST") {
      await request.body?.cancel();
      return new Response(null, { status: 404 });
    }
    const body = new Uint8Array(await request.arrayBuffer());
    const target = channel(url.slice(start + 3, slash));
    const count = target.counts[signal];
    count.requests++;
    count.bytes += body.byteLength;
    if (signal === "traces") target.traceBodies.push(body);
    else if (signal === "metrics") target.lastMetricsBody = body;
    // An empty Export*ServiceResponse is zero bytes: full success.
    return new Response(null, {
      status: 200,
      headers: { "content-type": "application/x-protobuf" },
    });
  }

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    onError: () => new Response(null, { status: 500 }),
  }, handle);
  const port = server.addr.port;
  return {
    port,
    endpointFor: (id) => `http://127.0.0.1:${port}/s/${id}`,
    channel,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}
