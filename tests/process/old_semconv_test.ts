/**
 * @module OTEL_SEMCONV_STABILITY_OPT_IN=http/dup,database/dup as a collector receives it from the
 * real process: the old attribute names beside the stable ones, and the old millisecond
 * `http.server.duration` histogram beside `http.server.request.duration`.
 */

import assert from "node:assert/strict";
import { allSignalsTo, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

/** The SDK's default histogram boundaries, made for milliseconds. */
const SDK_DEFAULT_BOUNDARIES = [
  0,
  5,
  10,
  25,
  50,
  75,
  100,
  250,
  500,
  750,
  1000,
  2500,
  5000,
  7500,
  10000,
];

Deno.test("http/dup,database/dup sends http.scheme, net.host.port, http.flavor, db.name and the old http.server.duration in ms", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    allSignalsTo(receiver.url, { OTEL_SEMCONV_STABILITY_OPT_IN: "http/dup,database/dup" }),
    dir.path,
  );
  const response = await fetch(`${server.baseUrl}/board/5`, {
    headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
  });
  await response.body?.cancel();
  const port = Number(new URL(server.baseUrl).port);

  const span = await receiver.waitFor(
    () => receiver.spans().find((s) => s.traceId === TRACE && s.kind === "SERVER"),
    { what: "the request span" },
  );
  assert.equal(span.attributes["http.scheme"], "http");
  assert.equal(span.attributes["url.scheme"], "http", "the stable name stays");
  assert.equal(span.attributes["net.host.port"], port);
  assert.equal(span.attributes["server.port"], port);
  assert.equal(span.attributes["http.flavor"], "1.1");
  assert.equal(span.attributes["network.protocol.version"], "1.1");
  assert.equal(span.attributes["http.method"], "GET");
  assert.equal(span.attributes["http.status_code"], 200);
  const query = receiver.spans().find((s) => s.traceId === TRACE && s.kind === "CLIENT");
  assert.ok(query, "a database span");
  assert.equal(query.attributes["db.name"], query.attributes["db.namespace"]);
  assert.match(String(query.attributes["db.name"]), /otel-board\.db$/);

  const old = await receiver.waitFor(
    () =>
      receiver.metrics().find((m) =>
        m.name === "http.server.duration" && m.attributes["http.route"] === "/board/:count"
      ),
    { what: "the old duration histogram" },
  );
  assert.equal(old.type, "histogram");
  assert.equal(old.unit, "ms");
  assert.deepEqual(old.explicitBounds, SDK_DEFAULT_BOUNDARIES);
  assert.equal(old.count, 1);
  assert.ok(old.sum! > 0.01 && old.sum! < 5000, `milliseconds: ${old.sum}`);
  assert.deepEqual(old.attributes, {
    "http.method": "GET",
    "http.scheme": "http",
    "http.status_code": 200,
    "http.route": "/board/:count",
    "net.host.port": port,
    "http.flavor": "1.1",
  });
  const stable = receiver.metrics().find((m) =>
    m.name === "http.server.request.duration" && m.attributes["http.route"] === "/board/:count"
  );
  assert.equal(stable?.unit, "s", "the stable histogram is still sent");
  assert.ok(stable!.sum! < old.sum!, "seconds beside milliseconds");
  assert.equal((await server.stop()).code, 0);
});
