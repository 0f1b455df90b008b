/** @module Tests for GET /log: the API-call log, its filters, paging and parameter errors. */

import assert from "node:assert/strict";
import type { NewLogApiRow } from "../../db/log_api_schema.ts";
import { logApiRow } from "../../testing/log_api_rows.ts";
import { problemOf } from "../../testing/problem.ts";
import { TELEMETRY, testApp } from "../../testing/test_app.ts";

const LOG_KEYS = [
  "call_url",
  "call_url_parameter",
  "duration_ms",
  "end_time",
  "method",
  "seq",
  "start_time",
  "status",
  "trace_id",
  "user_id",
  "user_ip",
].sort();

Deno.test("GET /log answers the API-call log, newest first, with the log_api column names", async () => {
  using t = await testApp();
  await t.request("/board/2");
  await t.request("/board/abc?x=1");
  await t.request("/nope");
  await t.logApiWriter.flush();
  const response = await t.request("/log");
  assert.equal(response.status, 200);
  const rows = await response.json();
  assert.equal(rows.length, 3);
  for (const row of rows) assert.deepEqual(Object.keys(row).sort(), LOG_KEYS);
  assert.deepEqual(
    rows.map((r: Record<string, unknown>) => [r.call_url, r.call_url_parameter, r.status]),
    [["/nope", null, 404], ["/board/abc", "x=1", 400], ["/board/2", null, 200]],
  );
  assert.equal(rows[0].user_ip, "203.0.113.7");
  assert.equal(rows[0].method, "GET");
  assert.equal(rows[0].trace_id, null);
});

Deno.test("GET /log filters by url, status, user_id, since and until, combined with AND", async () => {
  using t = await testApp();
  await t.store.logApi.insertBatch([
    row("/board/5", 200, "2026-11-01T00:00:00.000Z"),
    row("/board/5", 400, "2026-11-02T00:00:00.000Z"),
    row("/board", 200, "2026-11-03T00:00:00.000Z", "alice"),
    row("/board/5", 200, "2026-11-04T00:00:00.000Z", "alice"),
    row("/log", 200, "2026-11-05T00:00:00.000Z"),
  ]);
  const urls = async (query: string) =>
    (await (await t.request(`/log?${query}`)).json()).map(
      (r: { start_time: string }) => r.start_time.slice(8, 10),
    );
  assert.deepEqual(await urls("url=/board/5"), ["04", "02", "01"]);
  assert.deepEqual(await urls("url=%2Fboard%2F5&status=200"), ["04", "01"]);
  assert.deepEqual(await urls("user_id=alice"), ["04", "03"]);
  assert.deepEqual(await urls("since=2026-11-02T00:00:00Z&until=2026-11-04"), ["03", "02"]);
  assert.deepEqual(await urls("since=2026-11-02T09:00:00%2B09:00"), ["05", "04", "03", "02"]);
  assert.deepEqual(await urls("status=500"), []);
});

Deno.test("GET /log pages with a relative Link that keeps the filters", async () => {
  using t = await testApp();
  await t.store.logApi.insertBatch(
    Array.from({ length: 25 }, (_, i) => row("/board/5", 200, iso(i))),
  );
  const first = await t.request("/log?url=%2Fboard%2F5&limit=10");
  const rows = await first.json();
  assert.equal(rows.length, 10);
  const link = first.headers.get("link");
  assert.equal(link, `</log?url=%2Fboard%2F5&limit=10&before=${rows[9].seq}>; rel="next"`);
  const all: number[] = rows.map((r: { seq: number }) => r.seq);
  let next = /<([^>]+)>/.exec(link!)?.[1];
  while (next !== undefined) {
    const page = await t.request(next);
    all.push(...(await page.json()).map((r: { seq: number }) => r.seq));
    next = /<([^>]+)>/.exec(page.headers.get("link") ?? "")?.[1];
  }
  assert.equal(all.length, 25);
  assert.equal(new Set(all).size, 25);
});

Deno.test("GET /log orders by start time, so a long call logged late sits where it began", async () => {
  using t = await testApp();
  // seq follows completion order; the third call started first and finished last.
  await t.store.logApi.insertBatch([
    row("/a", 200, iso(2)),
    row("/b", 200, iso(3)),
    row("/slow", 200, iso(1)),
  ]);
  const rows = await (await t.request("/log")).json();
  assert.deepEqual(rows.map((r: { call_url: string }) => r.call_url), ["/b", "/a", "/slow"]);
  const paged: string[] = [];
  let next: string | undefined = "/log?limit=1";
  while (next !== undefined) {
    const page = await t.request(next);
    paged.push(...(await page.json()).map((r: { call_url: string }) => r.call_url));
    next = /<([^>]+)>/.exec(page.headers.get("link") ?? "")?.[1];
  }
  assert.deepEqual(paged, ["/b", "/a", "/slow"]);
});

Deno.test("GET /log?before= a row removed by retention continues from the next older row", async () => {
  using t = await testApp();
  await t.store.logApi.insertBatch(
    [1, 2, 3, 4].map((minute) => row(`/p${minute}`, 200, iso(minute))),
  );
  t.db.prepare("DELETE FROM log_api WHERE call_url = '/p3'").run();
  const rows = await (await t.request("/log?before=3")).json();
  assert.deepEqual(rows.map((r: { call_url: string }) => r.call_url), ["/p2", "/p1"]);
  assert.deepEqual(await (await t.request("/log?before=1")).json(), []);
});

for (
  const [query, expected] of [
    ["limit=0", /limit/],
    ["limit=1001", /limit 1001/],
    ["before=-5", /before/],
    ["status=99", /status 99/],
    ["status=ok", /status/],
    ["since=yesterday", /Cannot parse since: "yesterday" is not a time/],
    ["since=2026-11-23T10:00", /has no time zone/],
    ["until=2026-02-30", /not a valid date/],
    ["until=2026-11-23T24:00:00Z", /not a valid date/],
    ["since=2026-11-05&until=2026-11-01", /since must be earlier/],
    ["url=", /url: it is empty/],
    [`url=/${"x".repeat(120)}`, /at most 100 characters/],
    [`user_id=${"u".repeat(31)}`, /at most 30 characters/],
    ["trace_id=abc", /trace_id "abc": expected 32 hexadecimal digits/],
    [`trace_id=${"0".repeat(32)}`, /expected 32 hexadecimal digits/],
    [`trace_id=${"g".repeat(32)}`, /expected 32 hexadecimal digits/],
    ["method=", /method "": expected an HTTP method/],
    ["method=GET%20X", /expected an HTTP method/],
  ] as const
) {
  Deno.test(`GET /log?${query.slice(0, 40)} answers 400 with a readable reason`, async () => {
    using t = await testApp();
    const response = await t.request(`/log?${query}`);
    assert.equal(response.status, 400);
    const problem = await problemOf(response);
    assert.equal(problem.code, "invalid_parameter");
    assert.match(String(problem.detail), expected);
  });
}

Deno.test("GET /log with injection-looking filters finds nothing and breaks nothing", async () => {
  using t = await testApp();
  await t.store.logApi.insertBatch([row("/board/5", 200, iso(1))]);
  for (const value of ["' OR 1=1 --", "/board/5' --", "%", "_"]) {
    const response = await t.request(`/log?url=${encodeURIComponent(value)}`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), []);
  }
  assert.equal(t.db.prepare("SELECT count(*) AS n FROM board").get()?.n, 6);
});

function iso(minute: number): string {
  return new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString();
}

/** A log_api row for a GET of `url` that started (and ended) at `start`. */
function row(
  url: string,
  status: number,
  start: string,
  userId: string | null = null,
): NewLogApiRow {
  return logApiRow({
    user_ip: "198.51.100.1",
    user_id: userId,
    start_time: start,
    end_time: start,
    call_url: url,
    status,
    duration_ms: 1.5,
  });
}

Deno.test("GET /log?trace_id= finds the one call an x-trace-id names; method= filters by method", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const wanted = await t.request("/board/2");
  await wanted.body?.cancel();
  await (await t.request("/board/3")).body?.cancel();
  await (await t.request("/board", { method: "POST" })).body?.cancel();
  await t.logApiWriter.flush();
  const traceId = wanted.headers.get("x-trace-id")!;
  assert.match(traceId, /^[0-9a-f]{32}$/);
  for (const shown of [traceId, traceId.toUpperCase()]) {
    const rows = await (await t.request(`/log?trace_id=${shown}`)).json();
    assert.deepEqual(
      rows.map((r: { call_url: string; trace_id: string }) => [r.call_url, r.trace_id]),
      [
        ["/board/2", traceId],
      ],
    );
  }
  const posts = await (await t.request("/log?method=post")).json();
  assert.deepEqual(posts.map((r: { method: string; status: number }) => [r.method, r.status]), [
    ["POST", 401],
  ]);
  const none = await t.request(`/log?trace_id=${"a".repeat(32)}&method=GET`);
  assert.deepEqual(await none.json(), []);
});
