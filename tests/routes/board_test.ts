/** @module Tests for the board routes: GET /board and GET /board/{n}. */

import assert from "node:assert/strict";
import { insertPosts } from "../../db/sqlite/posts.ts";
import { problemOf } from "../../testing/problem.ts";
import { testApp } from "../../testing/test_app.ts";

const POST_KEYS = ["author", "content", "create_date", "seq", "title", "update_date"];

Deno.test("GET /board/5 answers the 5 latest posts, newest first, in the seed's shape", async () => {
  using t = await testApp();
  const response = await t.request("/board/5");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const posts = await response.json();
  assert.equal(posts.length, 5);
  assert.deepEqual(posts.map((p: { seq: number }) => p.seq), [6, 5, 4, 3, 2]);
  for (const post of posts) {
    assert.deepEqual(Object.keys(post).sort(), POST_KEYS);
    assert.match(post.create_date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(post.author, null);
  }
});

Deno.test("GET /board/{n} with n above the number of posts answers all of them", async () => {
  using t = await testApp();
  const posts = await (await t.request("/board/1000")).json();
  assert.equal(posts.length, 6);
});

Deno.test("GET /board/{n} on an empty board answers an empty array", async () => {
  using t = await testApp({ demoData: false });
  const response = await t.request("/board/5");
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), []);
});

for (
  const [count, expected] of [
    ["0", /from 1 to 1000/],
    ["-1", /"-1" is negative/],
    ["abc", /"abc" is not a number/],
    ["1.5", /"1.5" is not a whole number/],
    ["1001", /Cannot use count 1001: expected a whole number from 1 to 1000/],
    ["99999999999999999999", /from 1 to 1000/],
    ["1e3", /"1e3" is not a number/],
    ["%20", /not a number/],
    ["0x10", /not a number/],
  ] as const
) {
  Deno.test(`GET /board/${count} answers 400 with a problem body saying why`, async () => {
    using t = await testApp();
    const response = await t.request(`/board/${count}`);
    assert.equal(response.status, 400);
    const problem = await problemOf(response);
    assert.equal(problem.code, "invalid_parameter");
    assert.equal(problem.status, 400);
    assert.equal(problem.title, "Bad Request");
    assert.equal(problem.type, "about:blank");
    assert.match(String(problem.detail), expected);
    assert.match(String(problem.detail), /^Cannot (parse|use) count/);
  });
}

Deno.test("GET /board answers the newest 100 posts and a Link to the next page", async () => {
  using t = await testApp({ demoData: false });
  addPosts(t.db, 250);
  const response = await t.request("/board");
  assert.equal(response.status, 200);
  const posts = await response.json();
  assert.equal(posts.length, 100);
  assert.equal(posts[0].seq, 250);
  assert.equal(posts[99].seq, 151);
  assert.equal(response.headers.get("link"), '</board?before=151>; rel="next"');
});

Deno.test("Following GET /board Link headers yields every post exactly once", async () => {
  using t = await testApp({ demoData: false });
  addPosts(t.db, 1234);
  const seen: number[] = [];
  let next: string | undefined = "/board?limit=500";
  let pages = 0;
  while (next !== undefined) {
    const response = await t.request(next);
    assert.equal(response.status, 200);
    seen.push(...(await response.json()).map((p: { seq: number }) => p.seq));
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1];
    pages++;
  }
  assert.equal(pages, 3);
  assert.equal(seen.length, 1234);
  assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
  assert.equal(new Set(seen).size, 1234);
});

Deno.test("GET /board on the last page sends no Link header", async () => {
  using t = await testApp();
  const response = await t.request("/board?limit=6");
  assert.equal((await response.json()).length, 6);
  assert.equal(response.headers.get("link"), null);
});

for (
  const [query, expected] of [
    ["limit=0", /limit/],
    ["limit=1001", /limit 1001/],
    ["limit=abc", /limit/],
    ["before=0", /before/],
    ["before=x", /before/],
    ["limit=5&limit=6", /"limit" is given more than once/],
  ] as const
) {
  Deno.test(`GET /board?${query} answers 400 invalid_parameter`, async () => {
    using t = await testApp();
    const response = await t.request(`/board?${query}`);
    assert.equal(response.status, 400);
    const problem = await problemOf(response);
    assert.equal(problem.code, "invalid_parameter");
    assert.match(String(problem.detail), expected);
  });
}

Deno.test("Unknown query parameters are ignored, and still recorded in call_url_parameter", async () => {
  using t = await testApp();
  const latest = await t.request("/board/5?_=1733140000000");
  assert.equal(latest.status, 200);
  assert.equal((await latest.json()).length, 5);
  const page = await t.request("/board?utm_source=newsletter&limit=2&limt=5");
  assert.equal(page.status, 200);
  assert.equal((await page.json()).length, 2, "limit=2 applies; the misspelt limt is ignored");
  const rows = await t.logRows();
  assert.deepEqual(rows.map((r) => r.call_url_parameter), [
    "_=1733140000000",
    "utm_source=newsletter&limit=2&limt=5",
  ]);
});

Deno.test("A known parameter with a bad value still answers 400 beside unknown ones", async () => {
  using t = await testApp();
  const response = await t.request("/board?utm_source=x&limit=0");
  assert.equal(response.status, 400);
  assert.match(String((await problemOf(response)).detail), /limit/);
});

Deno.test("HEAD /board/5 answers 200 without a body", async () => {
  using t = await testApp();
  const response = await t.request("/board/5", { method: "HEAD" });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "");
});

function addPosts(db: Parameters<typeof insertPosts>[0], count: number): void {
  insertPosts(
    db,
    Array.from({ length: count }, (_, i) => ({
      title: `Post ${i + 1}`,
      content: `Content ${i + 1}`,
      createDate: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      authorId: null,
    })),
  );
}
