/** @module Tests for the one-pass OTLP trace encoder: the SDK serializer's exact bytes. */

import assert from "node:assert/strict";
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { OtlpTraceEncoder } from "../../telemetry/otlp_trace_encoder.ts";
import { decodeTraces } from "../../testing/otlp_decode.ts";

/** Finished spans from a real tracer provider; `make` uses the tracers it is given. */
async function spansFrom(
  make: (tracers: ReturnType<BasicTracerProvider["getTracer"]>[]) => void,
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "otel-board", "host.cores": 2 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  make([provider.getTracer("otel-board", "1.0.0"), provider.getTracer("other")]);
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

function sdkBytes(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  assert.ok(bytes !== undefined);
  return bytes;
}

const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: new TraceState("vendor=value,other=1"),
});

Deno.test("every kind of span, attribute, event and link encodes to the SDK serializer's exact bytes", async () => {
  const spans = await spansFrom(([tracer, other]) => {
    const server = tracer!.startSpan("GET /board/:count", {
      kind: SpanKind.SERVER,
      attributes: {
        "http.request.method": "GET",
        "http.response.status_code": 200,
        "app.negative": -42,
        "app.large": 2 ** 40,
        "app.huge": 2 ** 62,
        "app.ratio": 0.25,
        "app.flag": false,
        "app.tags": ["a", "b"],
        "app.numbers": [1, 2.5, -3],
        "app.text": "añadido — 投稿 😀",
        "app.long": "x".repeat(3000),
      },
    }, remoteParent);
    const child = tracer!.startSpan(
      "SELECT board",
      {
        kind: SpanKind.CLIENT,
        links: [{ context: server.spanContext(), attributes: { "link.reason": "retry" } }],
      },
      trace.setSpan(ROOT_CONTEXT, server),
    );
    child.addEvent("exception", { "exception.message": "boom", "exception.type": "Error" });
    child.addEvent("empty");
    child.setStatus({ code: SpanStatusCode.ERROR, message: "database is locked" });
    child.end();
    const internal = other!.startSpan("board.latest");
    internal.setStatus({ code: SpanStatusCode.OK });
    internal.end();
    server.end();
  });
  assert.equal(spans.length, 3);
  const encoder = new OtlpTraceEncoder();
  assert.deepEqual(encoder.encode(spans), sdkBytes(spans));
  // A second time, from the caches, the same.
  assert.deepEqual(encoder.encode(spans), sdkBytes(spans));
});

Deno.test("a batch of 600 spans (long length prefixes, grown buffer) is the SDK's bytes and decodes", async () => {
  const spans = await spansFrom(([tracer]) => {
    for (let i = 0; i < 600; i++) {
      const span = tracer!.startSpan(`span ${i % 7}`, {
        attributes: { "db.query.text": `SELECT * FROM board WHERE seq = ${i}`, "app.i": i },
      });
      span.end();
    }
  });
  const encoded = new OtlpTraceEncoder().encode(spans);
  assert.ok(encoded.length > 64 * 1024, "larger than the initial buffer");
  assert.deepEqual(encoded, sdkBytes(spans));
  const decoded = decodeTraces(encoded);
  assert.equal(decoded.length, 600);
  assert.equal(decoded[599]?.attributes["app.i"], 599);
  assert.equal(decoded[0]?.spanId, spans[0]?.spanContext().spanId);
  assert.equal(decoded[0]?.resource["service.name"], "otel-board");
});

Deno.test("times keep nanosecond precision beyond 2^53 and a remote parent is flagged", async () => {
  const spans = await spansFrom(([tracer]) => {
    const span = tracer!.startSpan(
      "timed",
      { startTime: [1_764_000_000, 123_456_789] },
      remoteParent,
    );
    context.with(ROOT_CONTEXT, () => span.end([1_764_000_001, 999_999_999]));
  });
  const [span] = decodeTraces(new OtlpTraceEncoder().encode(spans));
  assert.equal(span?.startTimeUnixNano, 1_764_000_000_123_456_789n);
  assert.equal(span?.endTimeUnixNano, 1_764_000_001_999_999_999n);
  assert.equal(span?.parentSpanId, "b7ad6b7169203331");
  assert.equal(span?.traceState, "vendor=value,other=1");
  assert.equal(span?.flags, 0x301, "sampled, has-is-remote, is-remote");
});
