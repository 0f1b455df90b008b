/**
 * @module `deno bench`: encoding one export of 512 request-shaped spans (SERVER, INTERNAL,
 * CLIENT with the attributes otel-board sets) with the SDK's ProtobufTraceSerializer and
 * with telemetry/otlp_trace_encoder.ts.
 */

import { ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { OtlpTraceEncoder } from "../telemetry/otlp_trace_encoder.ts";
import { SERVER_ATTRIBUTES } from "./_bench_data.ts";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({
    "service.name": "otel-board",
    "service.version": "1.0.0",
    "host.name": "bench",
    "process.pid": 1234,
  }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer("otel-board", "1.0.0");
for (let i = 0; exporter.getFinishedSpans().length < 512; i++) {
  const server = tracer.startSpan("GET /board/:count", {
    kind: SpanKind.SERVER,
    attributes: {
      ...SERVER_ATTRIBUTES,
      "http.response.status_code": 200,
    },
  });
  const parent = trace.setSpan(ROOT_CONTEXT, server);
  const service = tracer.startSpan("board.latest", { attributes: { "app.count": 10 } }, parent);
  const query = tracer.startSpan("SELECT board", {
    kind: SpanKind.CLIENT,
    attributes: {
      "db.system.name": "sqlite",
      "db.namespace": "/srv/otel-board.db",
      "db.query.text":
        "SELECT b.seq, b.title, b.content, b.create_date, b.update_date, u.username AS author FROM board AS b LEFT JOIN users AS u ON u.id = b.author_id WHERE b.seq < ? ORDER BY b.seq DESC LIMIT ?",
      "db.operation.name": "SELECT",
      "db.collection.name": "board",
      "db.response.returned_rows": 10,
    },
  }, trace.setSpan(ROOT_CONTEXT, service));
  query.end();
  service.end();
  server.end();
}
const spans = exporter.getFinishedSpans().slice(0, 512);
const encoder = new OtlpTraceEncoder();

Deno.bench({
  name: "512 spans: SDK ProtobufTraceSerializer",
  group: "encode",
  baseline: true,
  fn() {
    ProtobufTraceSerializer.serializeRequest(spans);
  },
});

Deno.bench({
  name: "512 spans: OtlpTraceEncoder",
  group: "encode",
  fn() {
    encoder.encode(spans);
  },
});
