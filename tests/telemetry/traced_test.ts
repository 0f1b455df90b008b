/** @module Service spans: expected domain outcomes are not span errors; unexpected failures are. */

import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import assert from "node:assert/strict";
import { problemOf } from "../../testing/problem.ts";
import { type TestApp, testApp } from "../../testing/test_app.ts";
import { spanHelpers } from "../../telemetry/traced.ts";

const TELEMETRY = { OTEL_TRACES_EXPORTER: "none", OTEL_BSP_SCHEDULE_DELAY: "0" };

/** A request whose service refuses it: the status and code it answers, the span it refuses in. */
interface OutcomeCase {
  readonly what: string;
  readonly send: (t: TestApp, tokens: { alice: string; bob: string }) => Promise<Response>;
  readonly status: number;
  readonly code: string;
  readonly span: string;
}

const json = (method: string, body: unknown, token?: string): RequestInit => ({
  method,
  headers: {
    "content-type": "application/json",
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  },
  body: JSON.stringify(body),
});

const OUTCOMES: readonly OutcomeCase[] = [
  {
    what: "a wrong password",
    send: (t) => t.request("/login", json("POST", { username: "alice", password: "wrong-one-1" })),
    status: 401,
    code: "unauthenticated",
    span: "accounts.login",
  },
  {
    what: "editing another user's post",
    send: async (t, { alice, bob }) => {
      const created = await t.request("/board", json("POST", { title: "t", content: "c" }, alice));
      const { seq } = await created.json() as { seq: number };
      return t.request(`/board/posts/${seq}`, json("PUT", { title: "u", content: "v" }, bob));
    },
    status: 403,
    code: "forbidden",
    span: "board.update",
  },
  {
    what: "a post that does not exist",
    send: (t) => t.request("/board/posts/999999"),
    status: 404,
    code: "not_found",
    span: "board.get",
  },
  {
    what: "a username that is taken",
    send: (t) =>
      t.request("/register", json("POST", { username: "alice", password: "another-password-1" })),
    status: 409,
    code: "conflict",
    span: "accounts.register",
  },
  {
    what: "an empty title",
    send: (t, { alice }) => t.request("/board", json("POST", { title: " ", content: "c" }, alice)),
    status: 400,
    code: "invalid_body",
    span: "board.create",
  },
];

for (const outcome of OUTCOMES) {
  Deno.test(`${outcome.status} for ${outcome.what}: the ${outcome.span} span records the outcome, not an error`, async () => {
    await using t = await testApp({ settings: TELEMETRY });
    const tokens = { alice: await t.signUp("alice"), bob: await t.signUp("bob") };
    const before = (await t.finishedSpans()).length;
    const response = await outcome.send(t, tokens);
    assert.equal(response.status, outcome.status);
    assert.equal((await problemOf(response)).code, outcome.code);
    const spans = (await t.finishedSpans()).slice(before);
    const service = spans.find((s) => s.name === outcome.span);
    assert.ok(service, `a ${outcome.span} span among ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(service.status.code, SpanStatusCode.UNSET);
    assert.equal(service.attributes["error.type"], undefined);
    assert.equal(service.attributes["app.outcome"], outcome.code);
    assert.deepEqual(service.events.map((e) => e.name), [], "no exception event");
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    assert.equal(server?.status.code, SpanStatusCode.UNSET, "a 4xx is not a server error");
  });
}

function recordingHelpers(expectedOutcome?: (error: unknown) => string | undefined) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("test");
  const spans = spanHelpers(tracer, expectedOutcome === undefined ? {} : { expectedOutcome });
  return { spans, exporter };
}

class Refused extends Error {
  override name = "Refused";
}

Deno.test("withSpan marks an unexpected failure ERROR with an exception, sync and async, and rethrows it", async () => {
  const { spans, exporter } = recordingHelpers((e) => e instanceof Refused ? "refused" : undefined);
  assert.throws(() =>
    spans.withSpan("sync", () => {
      throw new RangeError("boom");
    }), RangeError);
  await assert.rejects(
    spans.withSpan("async", () => Promise.reject(new TypeError("bang"))),
    TypeError,
  );
  const [sync, async] = exporter.getFinishedSpans();
  for (const [span, type] of [[sync, "RangeError"], [async, "TypeError"]] as const) {
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(span?.attributes["error.type"], type);
    assert.equal(span?.attributes["app.outcome"], undefined);
    assert.equal(span?.events[0]?.attributes?.["exception.type"], type);
  }
});

Deno.test("withSpan ends an expected outcome with status unset and app.outcome, sync and async, and rethrows it", async () => {
  const { spans, exporter } = recordingHelpers((e) => e instanceof Refused ? "refused" : undefined);
  assert.throws(() =>
    spans.withSpan("sync", () => {
      throw new Refused("no");
    }), Refused);
  await assert.rejects(spans.traced("async", () => Promise.reject(new Refused("no")))(), Refused);
  const finished = exporter.getFinishedSpans();
  assert.deepEqual(finished.map((s) => s.name), ["sync", "async"]);
  for (const span of finished) {
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(span.attributes["app.outcome"], "refused");
    assert.equal(span.attributes["error.type"], undefined);
    assert.equal(span.events.length, 0);
  }
});

Deno.test("Without expectedOutcome every thrown value is a failure", () => {
  const { spans, exporter } = recordingHelpers();
  assert.throws(() =>
    spans.withSpan("x", () => {
      throw new Refused("no");
    }), Refused);
  assert.equal(exporter.getFinishedSpans()[0]?.status.code, SpanStatusCode.ERROR);
  assert.equal(exporter.getFinishedSpans()[0]?.attributes["error.type"], "Refused");
});
