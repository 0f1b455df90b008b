/**
 * @module The TRACES_KEEP_ERRORS sampler and span processor over the real SDK tracer: failed
 * traces kept whole and flagged sampled, others released, sampled ones untouched, a remote
 * sampled=0 honoured, and the bounds (traces, spans, timeout) with their drops counted.
 */

import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  type KeepErrorsDropReason,
  type KeepErrorsOptions,
  KeepErrorsSpanProcessor,
} from "../../telemetry/keep_errors_processor.ts";
import { KeepErrorsSampler } from "../../telemetry/keep_errors_sampler.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { testApp } from "../../testing/test_app.ts";

const RATIO_ZERO = () => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) });

/** A tracer whose spans go through the keep-errors sampler and processor into memory. */
function keepErrors(
  options: Partial<KeepErrorsOptions> = {},
  sampler: Sampler = RATIO_ZERO(),
) {
  const exporter = new InMemorySpanExporter();
  const dropped: Record<string, number> = {};
  let now = 0;
  const processor = new KeepErrorsSpanProcessor([new SimpleSpanProcessor(exporter)], {
    maxTraces: 100,
    maxSpans: 1000,
    timeoutMs: 1000,
    now: () => now,
    dropped: (reason: KeepErrorsDropReason, spans: number) =>
      void (dropped[reason] = (dropped[reason] ?? 0) + spans),
    ...options,
  });
  const provider = new BasicTracerProvider({
    sampler: new KeepErrorsSampler(sampler),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer("test");
  return {
    start: (name: string, parent: Context = ROOT_CONTEXT) => tracer.startSpan(name, {}, parent),
    exported: () => exporter.getFinishedSpans(),
    dropped,
    advance: (ms: number) => void (now += ms),
    shutdown: () => provider.shutdown(),
  };
}

const under = (span: Span) => trace.setSpan(ROOT_CONTEXT, span);

/** A context whose parent is a remote span of a fresh trace, sampled or not. */
function remoteParent(sampled: boolean): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

function failed(span: Span): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

const names = (spans: readonly ReadableSpan[]) => spans.map((s) => s.name);

Deno.test("At ratio 0 a trace whose root fails is exported whole, in end order, every span flagged sampled", () => {
  const t = keepErrors();
  const root = t.start("GET /board");
  const service = t.start("board.create", under(root));
  const statement = t.start("BEGIN", under(service));
  assert.ok(root.isRecording() && statement.isRecording(), "recorded, to decide at the end");
  assert.equal(root.spanContext().traceFlags & TraceFlags.SAMPLED, 0, "but not sampled");
  failed(statement);
  failed(service);
  assert.deepEqual(t.exported(), [], "nothing leaves before the root ends");
  failed(root);
  const exported = t.exported();
  assert.deepEqual(names(exported), ["BEGIN", "board.create", "GET /board"]);
  for (const span of exported) {
    assert.equal(span.spanContext().traceFlags, TraceFlags.SAMPLED, span.name);
    assert.equal(span.spanContext().traceId, root.spanContext().traceId, span.name);
  }
  assert.equal(exported[0]!.parentSpanContext?.spanId, service.spanContext().spanId);
  assert.equal(exported[1]!.parentSpanContext?.spanId, root.spanContext().spanId);
  assert.equal(exported[2]!.parentSpanContext, undefined);
  assert.equal(exported[2]!.status.code, SpanStatusCode.ERROR);
  assert.deepEqual(t.dropped, {});
});

Deno.test("At ratio 0 a trace whose root succeeds is released: nothing exported, nothing counted", () => {
  const t = keepErrors();
  const root = t.start("GET /board/5");
  // A child failing is not enough: what counts is the request's (the local root's) outcome.
  failed(t.start("board.latest", under(root)));
  root.end();
  assert.deepEqual(t.exported(), []);
  assert.deepEqual(t.dropped, {});
});

Deno.test("A trace the ratio samples passes straight through, unchanged and unbuffered", () => {
  const t = keepErrors({}, new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) }));
  const root = t.start("GET /board/5");
  const child = t.start("board.latest", under(root));
  child.end();
  assert.deepEqual(names(t.exported()), ["board.latest"], "exported at its end, not held");
  assert.equal(t.exported()[0], child as unknown as ReadableSpan, "the span itself");
  root.end();
  assert.deepEqual(names(t.exported()), ["board.latest", "GET /board/5"]);
});

Deno.test("The context of a held trace says sampled=0, as an outgoing traceparent carries it", () => {
  const t = keepErrors();
  const root = t.start("GET /board");
  const carrier: Record<string, string> = {};
  new W3CTraceContextPropagator().inject(under(t.start("board.create", under(root))), carrier, {
    set: (c, k, v) => void (c[k] = v),
  });
  assert.match(
    carrier.traceparent ?? "",
    new RegExp(`^00-${root.spanContext().traceId}-\\w{16}-00$`),
  );
});

Deno.test("A remote parent's sampled=0 is honoured: nothing is recorded, a failure is not kept", () => {
  const t = keepErrors();
  const root = t.start("GET /board", remoteParent(false));
  assert.equal(root.isRecording(), false);
  const child = t.start("board.create", under(root));
  assert.equal(child.isRecording(), false);
  failed(child);
  failed(root);
  assert.deepEqual(t.exported(), []);
});

Deno.test("A remote parent that sampled is a local root: a sampler that drops it still keeps its failure", () => {
  const t = keepErrors({}, new AlwaysOffSampler());
  const root = t.start("GET /board", remoteParent(true));
  assert.ok(root.isRecording());
  t.start("board.create", under(root)).end();
  failed(root);
  assert.deepEqual(names(t.exported()), ["board.create", "GET /board"]);
  const server = t.exported()[1]!;
  assert.equal(server.parentSpanContext?.spanId, "00f067aa0ba902b7");
  assert.equal(server.parentSpanContext?.isRemote, true);
  assert.equal(server.spanContext().traceFlags, TraceFlags.SAMPLED);
});

Deno.test("Beyond maxTraces a new trace is not held: its spans are dropped and counted, held ones unharmed", () => {
  const t = keepErrors({ maxTraces: 2 });
  const first = t.start("first");
  const second = t.start("second");
  const third = t.start("third");
  const thirdChild = t.start("third.child", under(third));
  thirdChild.end();
  failed(third);
  assert.deepEqual(t.exported(), []);
  assert.deepEqual(t.dropped, { keep_errors_full: 2 });
  failed(first);
  second.end();
  assert.deepEqual(names(t.exported()), ["first"]);
  // Room again: a new trace is held.
  failed(t.start("fourth"));
  assert.deepEqual(names(t.exported()), ["first", "fourth"]);
});

Deno.test("Beyond maxSpans a held trace's further spans are dropped and counted; its root is still exported", () => {
  const t = keepErrors({ maxSpans: 3 });
  const root = t.start("root");
  for (let i = 0; i < 5; i++) t.start(`child ${i}`, under(root)).end();
  failed(root);
  assert.deepEqual(names(t.exported()), ["child 0", "child 1", "child 2", "root"]);
  assert.deepEqual(t.dropped, { keep_errors_full: 2 });
  // Released spans free their room.
  const next = t.start("next");
  for (let i = 0; i < 3; i++) t.start(`next ${i}`, under(next)).end();
  failed(next);
  assert.equal(t.exported().length, 8);
  assert.deepEqual(t.dropped, { keep_errors_full: 2 });
});

Deno.test("A root that does not end within timeoutMs gives its trace up, counted; its late spans too", () => {
  const t = keepErrors({ timeoutMs: 1000 });
  const stuck = t.start("stuck");
  t.start("stuck.child", under(stuck)).end();
  t.advance(1001);
  // The timeout is checked when a trace starts.
  const other = t.start("other");
  assert.deepEqual(t.dropped, { keep_errors_unfinished: 1 });
  failed(stuck);
  assert.deepEqual(t.dropped, { keep_errors_unfinished: 2 }, "its root, ending late, too");
  failed(other);
  assert.deepEqual(names(t.exported()), ["other"]);
});

Deno.test("A span that ends after its kept trace was decided is exported flagged; after a released one, dropped", () => {
  const t = keepErrors();
  const kept = t.start("kept");
  const keptLate = t.start("kept.late", under(kept));
  failed(kept);
  keptLate.end();
  const released = t.start("released");
  const releasedLate = t.start("released.late", under(released));
  released.end();
  releasedLate.end();
  assert.deepEqual(names(t.exported()), ["kept", "kept.late"]);
  assert.equal(t.exported()[1]!.spanContext().traceFlags, TraceFlags.SAMPLED);
  assert.deepEqual(t.dropped, {});
});

Deno.test("Traces still held at shutdown are counted as unfinished", async () => {
  const t = keepErrors();
  const open = t.start("open");
  t.start("open.child", under(open)).end();
  t.start("open.other", under(open)).end();
  await t.shutdown();
  assert.deepEqual(t.dropped, { keep_errors_unfinished: 2 });
  assert.deepEqual(t.exported(), []);
});

const KEEP_ERRORS_AT_ZERO = {
  OTEL_TRACES_EXPORTER: "none",
  OTEL_BSP_SCHEDULE_DELAY: "0",
  OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
  OTEL_TRACES_SAMPLER_ARG: "0",
  TRACES_KEEP_ERRORS: "true",
};

Deno.test("TRACES_KEEP_ERRORS=true at ratio 0: the app exports a 503's whole trace flagged sampled, not a 200's", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "board.db");
  await using t = await testApp({
    settings: KEEP_ERRORS_AT_ZERO,
    databaseFile: file,
    busyTimeoutMs: 50,
  });
  const token = await t.signUp("alice");
  const ok = await t.request("/board/5");
  assert.equal(ok.status, 200);
  // Its call-log row is written first: a batch that met the lock would fail, and be kept too.
  await t.logRows();
  const other = new DatabaseSync(file);
  let locked: Response;
  try {
    other.exec("BEGIN IMMEDIATE");
    locked = await t.request("/board", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: "a", content: "b" }),
    });
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  assert.equal(locked.status, 503);
  const spans = await t.finishedSpans();
  const traces = new Set(spans.map((s) => s.spanContext().traceId));
  assert.deepEqual([...traces], [locked.headers.get("x-trace-id")], "only the 503's trace");
  assert.ok(ok.headers.get("x-trace-id"), "the released request still answers its trace id");
  const shown = names(spans);
  for (const name of ["POST /board", "board.create", "BEGIN"]) {
    assert.ok(shown.includes(name), `${name} among ${shown.join(", ")}`);
  }
  assert.equal(shown.at(-1), "POST /board", "the root ends last");
  for (const span of spans) assert.equal(span.spanContext().traceFlags, TraceFlags.SAMPLED);
});

Deno.test("Spans the keep-errors processor has no room for are counted in app.telemetry.dropped{reason}", async () => {
  await using t = await testApp({
    settings: { ...KEEP_ERRORS_AT_ZERO, TRACES_KEEP_ERRORS_MAX_SPANS: "1" },
  });
  // SELECT ends first and takes the one place; board.latest has none (the root always has).
  assert.equal((await t.request("/board/5")).status, 200);
  const metric = (await t.collectMetrics()).get("app.telemetry.dropped");
  const points = (metric?.dataPoints ?? [])
    .filter((p) => p.attributes.signal === "traces")
    .map((p) => `${p.attributes.reason} ${p.value}`);
  assert.deepEqual(points.sort(), [
    "keep_errors_full 1",
    "keep_errors_unfinished 0",
    "queue_full 0",
  ]);
  assert.ok(t.logLines.some((line) => line.includes("TRACES_KEEP_ERRORS were dropped")));
});

Deno.test("Without TRACES_KEEP_ERRORS, ratio 0 records and exports nothing (the standard meaning)", async () => {
  const { TRACES_KEEP_ERRORS: _, ...ratioZero } = KEEP_ERRORS_AT_ZERO;
  await using t = await testApp({
    settings: ratioZero,
    board: {
      search: () => {
        throw new TypeError("boom");
      },
    },
  });
  assert.equal((await t.request("/board/search?q=x")).status, 500);
  assert.deepEqual(await t.finishedSpans(), []);
});
