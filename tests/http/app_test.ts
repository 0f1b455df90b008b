/** @module Tests for the whole app: error answers, 404/405/413/500, call logging, client addresses. */

import assert from "node:assert/strict";
import { problemOf } from "../../testing/problem.ts";
import { testApp } from "../../testing/test_app.ts";

Deno.test("An unknown path answers 404 not_found as problem+json and is logged", async () => {
  using t = await testApp();
  const response = await t.request("/nope/deeper?x=1");
  assert.equal(response.status, 404);
  const problem = await problemOf(response);
  assert.deepEqual(problem, {
    type: "about:blank",
    title: "Not Found",
    status: 404,
    detail: "There is no resource at /nope/deeper",
    code: "not_found",
    instance: "/nope/deeper",
    trace_id: null,
  });
  const [row] = await t.logRows();
  assert.equal(row?.status, 404);
  assert.equal(row?.call_url, "/nope/deeper");
  assert.equal(row?.call_url_parameter, "x=1");
});

for (
  const [method, path, allow] of [
    ["POST", "/board/5", "GET, HEAD"],
    ["DELETE", "/board", "GET, HEAD, POST"],
    ["PUT", "/log", "GET, HEAD"],
    ["POST", "/healthz", "GET, HEAD"],
    ["OPTIONS", "/board", "GET, HEAD, POST"],
  ] as const
) {
  Deno.test(`${method} ${path} answers 405 with Allow: ${allow}, and is logged`, async () => {
    using t = await testApp();
    const response = await t.request(path, { method });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), allow);
    const problem = await problemOf(response);
    assert.equal(problem.code, "method_not_allowed");
    assert.equal(problem.detail, `${method} is not allowed on ${path}: use ${allow}`);
    const rows = await t.logRows();
    assert.equal(rows.length, path === "/healthz" ? 0 : 1);
    if (rows[0]) assert.equal(rows[0].method, method);
  });
}

Deno.test("A body over MAX_BODY_BYTES answers 413 on any route, known or not, and is logged", async () => {
  using t = await testApp({ settings: { MAX_BODY_BYTES: "1024" } });
  for (const path of ["/board", "/board/5", "/nope", "/log"]) {
    const response = await t.request(path, { method: "POST", body: "x".repeat(1025) });
    assert.equal(response.status, 413, path);
    const problem = await problemOf(response);
    assert.equal(problem.code, "payload_too_large");
    assert.match(String(problem.detail), /larger than the 1024 bytes/);
  }
  assert.deepEqual((await t.logRows()).map((r) => r.status), [413, 413, 413, 413]);
});

Deno.test("A chunked body without Content-Length is cut off at MAX_BODY_BYTES with 413", async () => {
  using t = await testApp({ settings: { MAX_BODY_BYTES: "1000" } });
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 100_000) return controller.close();
      sent += 500;
      controller.enqueue(new Uint8Array(500));
    },
  });
  const response = await t.request("/board/5", { method: "POST", body });
  assert.equal(response.status, 413);
  assert.ok(sent < 100_000, "the body was not read to its end");
  const small = await t.request("/board/5", {
    method: "POST",
    body: new Blob(["tiny"]).stream(),
  });
  assert.equal(small.status, 405, "a small chunked body passes the limit and reaches routing");
});

Deno.test("A handler failure answers 500 without stack or SQL, is logged, and the app stays up", async () => {
  using t = await testApp({
    board: {
      latest: () => {
        throw new Error("SQLITE_ERROR near SELECT: secret internals at /work/db/board.ts:12");
      },
    },
  });
  const response = await t.request("/board/5");
  assert.equal(response.status, 500);
  const text = await response.text();
  assert.doesNotMatch(text, /SQLITE|SELECT|internals|board\.ts|at /);
  const problem = JSON.parse(text);
  assert.equal(problem.code, "internal_error");
  assert.equal(problem.title, "Internal Server Error");
  const logged = t.logLines.map((line) => JSON.parse(line)).find((r) => r.msg === "Request failed");
  assert.match(logged.error.message, /SQLITE_ERROR/, "the server log keeps the details");
  assert.match(logged.error.stack, /board_test|app_test|test_app/);
  assert.equal((await t.logRows())[0]?.status, 500);
  assert.equal((await t.request("/board?limit=1")).status, 200);
});

Deno.test("Health probes are not written to log_api; API calls are", async () => {
  using t = await testApp();
  await t.request("/healthz");
  await t.request("/readyz");
  await t.request("/metrics");
  await t.request("/board/1");
  assert.deepEqual((await t.logRows()).map((r) => r.call_url), ["/board/1"]);
});

Deno.test("GET /healthz answers ok and GET /readyz answers ready while serving", async () => {
  using t = await testApp();
  assert.deepEqual(await (await t.request("/healthz")).json(), { status: "ok" });
  assert.deepEqual(await (await t.request("/readyz")).json(), { status: "ready" });
});

Deno.test("GET /readyz answers 503 not_ready with Retry-After while draining", async () => {
  using t = await testApp();
  assert.equal((await t.request("/readyz")).status, 200);
  t.startDraining();
  const response = await t.request("/readyz");
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), "5");
  assert.equal((await problemOf(response)).code, "not_ready");
  assert.equal((await t.request("/healthz")).status, 200, "still alive while draining");
});

Deno.test("GET /readyz answers 503 when the database does not answer", async () => {
  const t = await testApp();
  await t.logApiWriter.flush();
  t.db.close();
  const response = await t.request("/readyz");
  assert.equal(response.status, 503);
  assert.match(String((await problemOf(response)).detail), /database/);
  await t.logApiWriter.close(0);
});

Deno.test("A request whose client went away before the answer is logged as 499", async () => {
  using t = await testApp();
  const controller = new AbortController();
  controller.abort();
  const response = await t.request("/board/3", { signal: controller.signal });
  assert.equal(response.status, 200);
  assert.equal((await t.logRows())[0]?.status, 499);
});

Deno.test("A request whose body stream breaks mid-way (client gone) is logged as 499", async () => {
  using t = await testApp();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(10));
      controller.error(new Error("connection reset"));
    },
  });
  await t.request("/board", { method: "POST", body });
  assert.equal((await t.logRows())[0]?.status, 499);
  assert.ok(!t.logLines.some((line) => line.includes('"level":"error"')));
});

Deno.test("log_api rows record the peer address; X-Forwarded-For from an untrusted peer is ignored", async () => {
  using t = await testApp();
  await t.request("/board/1", { headers: { "x-forwarded-for": "1.2.3.4" } }, "203.0.113.50");
  await t.request("/board/1", { headers: { "x-real-ip": "1.2.3.4" } }, "203.0.113.51");
  assert.deepEqual((await t.logRows()).map((r) => r.user_ip), ["203.0.113.50", "203.0.113.51"]);
});

Deno.test("Behind a trusted proxy the right-most untrusted X-Forwarded-For hop is the client", async () => {
  using t = await testApp({ settings: { TRUSTED_PROXIES: "127.0.0.1/32,10.0.0.0/8" } });
  const xff = { "x-forwarded-for": "6.6.6.6, 198.51.100.23, 10.1.2.3" };
  await t.request("/board/1", { headers: xff }, "127.0.0.1");
  await t.request("/board/1", { headers: { "x-real-ip": "198.51.100.24" } }, "127.0.0.1");
  await t.request("/board/1", {}, "::ffff:127.0.0.1");
  assert.deepEqual((await t.logRows()).map((r) => r.user_ip), [
    "198.51.100.23",
    "198.51.100.24",
    "127.0.0.1",
  ]);
});

Deno.test("log_api truncates long paths and query strings instead of rejecting the call", async () => {
  using t = await testApp();
  const longPath = "/" + "p".repeat(300);
  const longQuery = "q=" + "é".repeat(400);
  const response = await t.request(`${longPath}?${longQuery}`);
  assert.equal(response.status, 404);
  const [row] = await t.logRows();
  assert.equal(row?.call_url.length, 100);
  assert.equal([...row!.call_url_parameter!].length, 300);
});

Deno.test("Every error answer is problem+json with code, status, title and detail", async () => {
  using t = await testApp({ settings: { MAX_BODY_BYTES: "10" } });
  const cases: [string, RequestInit][] = [
    ["/board/0", {}],
    ["/missing", {}],
    ["/board/5", { method: "PATCH" }],
    ["/board/5", { method: "POST", body: "x".repeat(11) }],
  ];
  for (const [path, init] of cases) {
    const response = await t.request(path, init);
    const problem = await problemOf(response);
    assert.equal(problem.status, response.status);
    for (const key of ["type", "title", "detail", "code", "instance"]) {
      assert.equal(typeof problem[key], "string", `${path} ${key}`);
    }
    assert.equal(response.headers.get("cache-control"), "no-store");
  }
});
