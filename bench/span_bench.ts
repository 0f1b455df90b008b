/**
 * @module `deno bench`: the span path alone. A SERVER span started and ended with request
 * attributes through a BasicTracerProvider whose BatchSpanProcessor exports to a no-op
 * exporter; the same with no processor; and a request-shaped trace (SERVER → INTERNAL →
 * CLIENT) through startActiveSpan with the AsyncLocalStorage context manager the service
 * installs. The functions are async so the batch processor's exports settle between
 * iterations, as they do between requests.
 */

import { SpanKind } from "@opentelemetry/api";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { installContextManager } from "../telemetry/tracing.ts";
import { noopSpanExporter, SERVER_ATTRIBUTES } from "./_bench_data.ts";

installContextManager();
const batched = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(noopSpanExporter())],
}).getTracer("bench");
const bare = new BasicTracerProvider().getTracer("bench");

Deno.bench({
  name: "SERVER span start/end, 10 attributes, no processor",
  group: "span",
  baseline: true,
  // deno-lint-ignore require-await
  async fn() {
    const span = bare.startSpan("GET /board/:count", {
      kind: SpanKind.SERVER,
      attributes: SERVER_ATTRIBUTES,
    });
    span.setAttribute("http.response.status_code", 200);
    span.end();
  },
});

Deno.bench({
  name: "SERVER span start/end, 10 attributes, BatchSpanProcessor → no-op exporter",
  group: "span",
  // deno-lint-ignore require-await
  async fn() {
    const span = batched.startSpan("GET /board/:count", {
      kind: SpanKind.SERVER,
      attributes: SERVER_ATTRIBUTES,
    });
    span.setAttribute("http.response.status_code", 200);
    span.end();
  },
});

Deno.bench({
  name: "request-shaped trace: SERVER → INTERNAL → CLIENT via startActiveSpan",
  group: "span",
  // deno-lint-ignore require-await
  async fn() {
    batched.startActiveSpan(
      "GET /board/:count",
      { kind: SpanKind.SERVER, attributes: SERVER_ATTRIBUTES },
      (server) => {
        batched.startActiveSpan("board.latest", (service) => {
          const query = batched.startSpan("SELECT board", {
            kind: SpanKind.CLIENT,
            attributes: {
              "db.system.name": "sqlite",
              "db.operation.name": "SELECT",
              "db.collection.name": "board",
            },
          });
          query.setAttribute("db.response.returned_rows", 10);
          query.end();
          service.end();
        });
        server.setAttribute("http.response.status_code", 200);
        server.end();
      },
    );
  },
});
