/**
 * @module Tests for writing the board: POST /board, GET/PUT/DELETE /board/posts/{seq},
 * who may change which post, strict bodies, injection-looking input, counters and spans.
 */

import type { MetricData } from "@opentelemetry/sdk-metrics";
import assert from "node:assert/strict";
import { insertPosts } from "../../db/sqlite/posts.ts";
import { problemOf } from "../../testing/problem.ts";
import { sleep } from "../../testing/sleep.ts";
import { TELEMETRY, type TestApp, testApp } from "../../testing/test_app.ts";

const POST_KEYS = ["author", "content", "create_date", "seq", "title", "update_date"];
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Post {
  seq: number;
  title: string;
  content: string;
  create_date: string;
  update_date: string;
  author: string | null;
}

/** Request options: a Bearer token, and a JSON body (or raw text with a content type). */
interface CallOptions {
  readonly token?: string | undefined;
  readonly json?: unknown;
  readonly text?: string;
  readonly contentType?: string;
}

function init(method: string, options: CallOptions = {}): RequestInit {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] = options.contentType ?? "application/json";
  } else if (options.text !== undefined) {
    body = options.text;
    if (options.contentType !== undefined) headers["content-type"] = options.contentType;
  }
  return body === undefined ? { method, headers } : { method, headers, body };
}

function call(t: TestApp, method: string, path: string, options: CallOptions = {}) {
  return t.request(path, init(method, options));
}

async function createPost(
  t: TestApp,
  token: string,
  title = "A title",
  content = "Some content",
): Promise<Post> {
  const response = await call(t, "POST", "/board", { token, json: { title, content } });
  assert.equal(response.status, 201, await response.clone().text());
  return await response.json();
}

function boardCount(t: TestApp): number {
  return Number(t.db.prepare("SELECT count(*) AS n FROM board").get()?.n);
}

async function expectProblem(response: Response, status: number, code: string) {
  assert.equal(response.status, status, `expected ${status} ${code}`);
  const problem = await problemOf(response);
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.equal(typeof problem.detail, "string");
  return problem;
}

// --- POST /board -------------------------------------------------------------------------

Deno.test("POST /board without a session answers 401 and creates nothing", async () => {
  using t = await testApp();
  const before = boardCount(t);
  const response = await call(t, "POST", "/board", { json: { title: "Hi", content: "There" } });
  await expectProblem(response, 401, "unauthenticated");
  assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
  const bogus = await call(t, "POST", "/board", {
    token: "not-a-real-token",
    json: { title: "Hi", content: "There" },
  });
  await expectProblem(bogus, 401, "unauthenticated");
  assert.equal(boardCount(t), before);
});

Deno.test("POST /board answers 201, a Location and the post with the author's username", async () => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const response = await call(t, "POST", "/board", {
    token,
    json: { title: "Hello", content: "First post" },
  });
  assert.equal(response.status, 201);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const post: Post = await response.json();
  assert.deepEqual(Object.keys(post).sort(), POST_KEYS);
  assert.equal(response.headers.get("location"), `/board/posts/${post.seq}`);
  assert.equal(post.seq, 7, "after the 6 demo posts");
  assert.equal(post.title, "Hello");
  assert.equal(post.content, "First post");
  assert.equal(post.author, "alice");
  assert.match(post.create_date, TIMESTAMP);
  assert.equal(post.update_date, post.create_date);
  const read = await t.request(response.headers.get("location")!);
  assert.equal(read.status, 200);
  assert.deepEqual(await read.json(), post);
  const latest = await (await t.request("/board/1")).json();
  assert.deepEqual(latest, [post]);
});

Deno.test("POST /board counts title and content lengths in code points", async (ctx) => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const cases: [string, { title: string; content: string }, number][] = [
    ["30 emoji in the title", { title: "😀".repeat(30), content: "x" }, 201],
    ["31 emoji in the title", { title: "😀".repeat(31), content: "x" }, 400],
    ["30 ASCII characters in the title", { title: "t".repeat(30), content: "x" }, 201],
    ["31 ASCII characters in the title", { title: "t".repeat(31), content: "x" }, 400],
    ["2000 emoji in the content", { title: "t", content: "🎉".repeat(2000) }, 201],
    ["2001 emoji in the content", { title: "t", content: "🎉".repeat(2001) }, 400],
    ["2001 ASCII characters in the content", { title: "t", content: "c".repeat(2001) }, 400],
    ["a one-character title and content", { title: "a", content: "b" }, 201],
    ["an empty title", { title: "", content: "x" }, 400],
    ["an empty content", { title: "t", content: "" }, 400],
    ["a whitespace-only title", { title: "   ", content: "x" }, 400],
    ["a whitespace-only content", { title: "t", content: " \t\r\n " }, 400],
    ["a title of no-break and ideographic spaces", { title: "\u00a0\u3000", content: "x" }, 400],
  ];
  for (const [name, body, status] of cases) {
    await ctx.step(`${name} → ${status}`, async () => {
      const before = boardCount(t);
      const response = await call(t, "POST", "/board", { token, json: body });
      if (status === 201) {
        assert.equal(response.status, 201, await response.clone().text());
        const post: Post = await response.json();
        assert.equal(post.title, body.title);
        assert.equal(post.content, body.content);
        assert.equal(boardCount(t), before + 1);
      } else {
        const problem = await expectProblem(response, 400, "invalid_body");
        assert.match(String(problem.detail), /"(title|content)"/);
        assert.equal(boardCount(t), before, "nothing created");
      }
    });
  }
});

Deno.test("POST /board refuses fields the client may not set (mass assignment) and creates nothing", async (ctx) => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const extras = [
    '"seq": 1',
    '"seq": 999',
    '"author": "admin"',
    '"author_id": 1',
    '"create_date": "2000-01-01T00:00:00.000Z"',
    '"update_date": "2000-01-01T00:00:00.000Z"',
    '"role": "admin"',
    '"__proto__": {"author_id": 1}',
    '"constructor": {}',
  ];
  for (const extra of extras) {
    const raw = `{"title": "Hi", "content": "There", ${extra}}`;
    await ctx.step(`with ${raw}`, async () => {
      const before = boardCount(t);
      const response = await call(t, "POST", "/board", {
        token,
        text: raw,
        contentType: "application/json",
      });
      const problem = await expectProblem(response, 400, "invalid_body");
      assert.match(String(problem.detail), /Unknown field/);
      assert.equal(boardCount(t), before, "nothing created");
    });
  }
});

Deno.test("POST /board with a wrong content type, bad JSON or mistyped fields answers 415/400", async (ctx) => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const body = JSON.stringify({ title: "Hi", content: "There" });
  const cases: [string, CallOptions, number, string][] = [
    ["no content type", { text: body }, 415, "unsupported_media_type"],
    ["text/plain", { text: body, contentType: "text/plain" }, 415, "unsupported_media_type"],
    [
      "form encoding",
      { text: "title=Hi&content=There", contentType: "application/x-www-form-urlencoded" },
      415,
      "unsupported_media_type",
    ],
    [
      "a latin1 charset",
      { text: body, contentType: "application/json; charset=iso-8859-1" },
      415,
      "unsupported_media_type",
    ],
    [
      "malformed JSON",
      { text: '{"title": "Hi",', contentType: "application/json" },
      400,
      "malformed_json",
    ],
    ["an empty body", { text: "", contentType: "application/json" }, 400, "malformed_json"],
    ["a JSON array", { json: [{ title: "Hi", content: "There" }] }, 400, "invalid_body"],
    ["a JSON string", { json: "Hi" }, 400, "invalid_body"],
    ["JSON null", { text: "null", contentType: "application/json" }, 400, "invalid_body"],
    ["a missing content", { json: { title: "Hi" } }, 400, "invalid_body"],
    ["a numeric title", { json: { title: 5, content: "There" } }, 400, "invalid_body"],
    ["a null content", { json: { title: "Hi", content: null } }, 400, "invalid_body"],
    ["an array title", { json: { title: ["Hi"], content: "There" } }, 400, "invalid_body"],
  ];
  for (const [name, options, status, code] of cases) {
    await ctx.step(`${name} → ${status} ${code}`, async () => {
      const before = boardCount(t);
      await expectProblem(await call(t, "POST", "/board", { token, ...options }), status, code);
      assert.equal(boardCount(t), before);
    });
  }
  await ctx.step("application/json; charset=utf-8 is accepted", async () => {
    const response = await call(t, "POST", "/board", {
      token,
      text: body,
      contentType: "application/json; charset=utf-8",
    });
    assert.equal(response.status, 201);
    await response.body?.cancel();
  });
});

Deno.test("POST /board with a body over MAX_BODY_BYTES answers 413 and creates nothing", async () => {
  using t = await testApp({ settings: { MAX_BODY_BYTES: "100" } });
  const token = await t.signUp("alice");
  const before = boardCount(t);
  const response = await call(t, "POST", "/board", {
    token,
    json: { title: "Big", content: "x".repeat(200) },
  });
  await expectProblem(response, 413, "payload_too_large");
  assert.equal(boardCount(t), before);
  const small = await call(t, "POST", "/board", { token, json: { title: "Ok", content: "x" } });
  assert.equal(small.status, 201, "a body under the cap still passes");
  await small.body?.cancel();
});

Deno.test("POST /board over the post rate limit answers 429 with Retry-After", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_POST: "2/1m" } });
  const token = await t.signUp("alice");
  const before = boardCount(t);
  for (let i = 0; i < 2; i++) await createPost(t, token, `Post ${i}`);
  const response = await call(t, "POST", "/board", {
    token,
    json: { title: "Third", content: "x" },
  });
  await expectProblem(response, 429, "rate_limited");
  const retryAfter = Number(response.headers.get("retry-after"));
  // The two-bucket sliding window may ask for up to two windows.
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 120, `${retryAfter}`);
  assert.equal(boardCount(t), before + 2, "the refused post was not created");
  const elsewhere = await t.request(
    "/board",
    init("POST", { token, json: { title: "Other address", content: "x" } }),
    "198.51.100.9",
  );
  assert.equal(elsewhere.status, 201, "the limit is per client address");
  await elsewhere.body?.cancel();
});

// --- GET /board/posts/{seq} --------------------------------------------------------------

Deno.test("GET /board/posts/{seq} answers the post, 404 for a missing one, 400 for a bad number", async () => {
  using t = await testApp();
  const response = await t.request("/board/posts/1");
  assert.equal(response.status, 200);
  const post: Post = await response.json();
  assert.deepEqual(Object.keys(post).sort(), POST_KEYS);
  assert.equal(post.seq, 1);
  assert.equal(post.author, null);
  const missing = await expectProblem(await t.request("/board/posts/999"), 404, "not_found");
  assert.match(String(missing.detail), /999/);
  for (const bad of ["abc", "0", "-1", "1.5", "1e3", "99999999999999999999"]) {
    await expectProblem(await t.request(`/board/posts/${bad}`), 400, "invalid_parameter");
  }
  const ignored = await t.request("/board/posts/1?x=1");
  assert.equal(ignored.status, 200, "an unknown parameter is ignored");
  assert.equal((await ignored.json()).seq, 1);
});

// --- PUT /board/posts/{seq} --------------------------------------------------------------

Deno.test("PUT /board/posts/{seq} by the author replaces title and content and moves update_date", async () => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const created = await createPost(t, token, "Old title", "Old content");
  await sleep(2);
  const response = await call(t, "PUT", `/board/posts/${created.seq}`, {
    token,
    json: { title: "New title", content: "New content" },
  });
  assert.equal(response.status, 200);
  const updated: Post = await response.json();
  assert.deepEqual(Object.keys(updated).sort(), POST_KEYS);
  assert.equal(updated.seq, created.seq);
  assert.equal(updated.title, "New title");
  assert.equal(updated.content, "New content");
  assert.equal(updated.author, "alice");
  assert.equal(updated.create_date, created.create_date);
  assert.match(updated.update_date, TIMESTAMP);
  assert.notEqual(updated.update_date, created.update_date);
  assert.ok(updated.update_date >= updated.create_date);
  assert.deepEqual(await (await t.request(`/board/posts/${created.seq}`)).json(), updated);
});

Deno.test("PUT /board/posts/{seq} validates the body like POST and changes nothing when refused", async (ctx) => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const created = await createPost(t, token, "Keep", "Keep me");
  const cases: [string, CallOptions, number, string][] = [
    [
      "a 31-character title",
      { json: { title: "t".repeat(31), content: "x" } },
      400,
      "invalid_body",
    ],
    ["an empty content", { json: { title: "t", content: "" } }, 400, "invalid_body"],
    ["whitespace-only title", { json: { title: "  ", content: "x" } }, 400, "invalid_body"],
    ["a missing title", { json: { content: "x" } }, 400, "invalid_body"],
    ["an author field", { json: { title: "t", content: "x", author: "bob" } }, 400, "invalid_body"],
    ["a seq field", { json: { title: "t", content: "x", seq: 1 } }, 400, "invalid_body"],
    [
      "a create_date field",
      { json: { title: "t", content: "x", create_date: "2000-01-01T00:00:00.000Z" } },
      400,
      "invalid_body",
    ],
    ["text/plain", { text: "{}", contentType: "text/plain" }, 415, "unsupported_media_type"],
    ["bad JSON", { text: "{", contentType: "application/json" }, 400, "malformed_json"],
  ];
  for (const [name, options, status, code] of cases) {
    await ctx.step(`${name} → ${status}`, async () => {
      const response = await call(t, "PUT", `/board/posts/${created.seq}`, { token, ...options });
      await expectProblem(response, status, code);
      assert.deepEqual(await (await t.request(`/board/posts/${created.seq}`)).json(), created);
    });
  }
  await ctx.step("a bad post number → 400", async () => {
    const response = await call(t, "PUT", "/board/posts/abc", {
      token,
      json: { title: "t", content: "x" },
    });
    await expectProblem(response, 400, "invalid_parameter");
  });
});

// --- Who may change which post: one table for every mutating route ----------------------

interface MutatingRoute {
  readonly name: string;
  readonly method: "PUT" | "DELETE";
  readonly body?: { title: string; content: string };
  readonly ok: number;
}

const MUTATING_ROUTES: readonly MutatingRoute[] = [
  {
    name: "PUT /board/posts/{seq}",
    method: "PUT",
    body: { title: "Changed", content: "Changed content" },
    ok: 200,
  },
  { name: "DELETE /board/posts/{seq}", method: "DELETE", ok: 204 },
];

type Caller = "anonymous" | "another user" | "the author" | "an admin";

/** The expected status per caller, on the author's post, a demo post and a missing post. */
const EXPECTED: Record<Caller, { own: "ok" | number; demo: "ok" | number; missing: number }> = {
  "anonymous": { own: 401, demo: 401, missing: 401 },
  "another user": { own: 403, demo: 403, missing: 404 },
  "the author": { own: "ok", demo: 403, missing: 404 },
  "an admin": { own: "ok", demo: "ok", missing: 404 },
};

Deno.test("Every mutating post route: 401 anonymous, 403 another user, ok for the author and an admin", async (ctx) => {
  using t = await testApp();
  const tokens: Record<Caller, string | undefined> = {
    "anonymous": undefined,
    "another user": await t.signUp("mallory"),
    "the author": await t.signUp("alice"),
    "an admin": await t.signUp("boss", "admin"),
  };
  const author = tokens["the author"]!;
  for (const route of MUTATING_ROUTES) {
    for (const caller of Object.keys(EXPECTED) as Caller[]) {
      const expected = EXPECTED[caller];
      const send = (seq: number) =>
        call(t, route.method, `/board/posts/${seq}`, {
          token: tokens[caller],
          ...(route.body === undefined ? {} : { json: route.body }),
        });
      const check = async (seq: number, want: "ok" | number) => {
        const before = await (await t.request(`/board/posts/${seq}`)).text();
        const response = await send(seq);
        if (want === "ok") {
          assert.equal(response.status, route.ok, await response.clone().text());
          if (route.method === "PUT") {
            const post: Post = await response.json();
            assert.equal(post.title, route.body!.title);
            assert.equal(post.content, route.body!.content);
          } else {
            assert.equal(await response.text(), "");
            assert.equal((await t.request(`/board/posts/${seq}`)).status, 404);
          }
        } else {
          const code = { 401: "unauthenticated", 403: "forbidden", 404: "not_found" }[want];
          await expectProblem(response, want, code!);
          const after = await (await t.request(`/board/posts/${seq}`)).text();
          assert.equal(after, before, "a refused call changes nothing");
        }
      };
      await ctx.step(`${route.name} on the author's post by ${caller}`, async () => {
        const post = await createPost(t, author, "Owned", "By alice");
        await check(post.seq, expected.own);
        if (route.method === "PUT" && expected.own === "ok") {
          const after: Post = await (await t.request(`/board/posts/${post.seq}`)).json();
          assert.equal(after.author, "alice", "an admin's edit keeps the author");
        }
      });
      await ctx.step(`${route.name} on a demo post (no author) by ${caller}`, async () => {
        const [seq] = insertPosts(t.db, [{
          title: "Demo",
          content: "Demo content",
          createDate: new Date().toISOString(),
          authorId: null,
        }]);
        await check(seq!, expected.demo);
      });
      await ctx.step(`${route.name} on a missing post by ${caller}`, async () => {
        await check(99_999, expected.missing);
      });
    }
  }
});

Deno.test("DELETE /board/posts/{seq} by the author answers 204, then the post is gone", async () => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const post = await createPost(t, token);
  const before = boardCount(t);
  const response = await call(t, "DELETE", `/board/posts/${post.seq}`, { token });
  assert.equal(response.status, 204);
  assert.equal(await response.text(), "");
  await expectProblem(await t.request(`/board/posts/${post.seq}`), 404, "not_found");
  assert.equal(boardCount(t), before - 1);
  const again = await call(t, "DELETE", `/board/posts/${post.seq}`, { token });
  await expectProblem(again, 404, "not_found");
  await expectProblem(
    await call(t, "DELETE", "/board/posts/abc", { token }),
    400,
    "invalid_parameter",
  );
});

// --- Injection-looking input -------------------------------------------------------------

const NASTY = [
  "'; DROP TABLE board; --",
  "<script>alert(1)</script>",
  '" OR 1=1',
  "') OR ('1'='1",
  "Robert'); --",
  "%s %n {0} ${x}",
  "\\\\ \\u0000 \\n",
  "한국어 テスト Ünïcödé",
  "🎉👩‍👩‍👧 e\u0301 \u202eevil",
  "\u0001\u0007\b\t\n\r\u001b\u007f\u2028\u2029x",
  "*) (|(uid=*)) ../../etc/passwd",
];

Deno.test("Injection-looking titles and contents are stored and answered verbatim", async (ctx) => {
  using t = await testApp();
  const token = await t.signUp("alice");
  for (const text of NASTY) {
    await ctx.step(JSON.stringify(text), async () => {
      const content = `${text} | ${text}`;
      const response = await call(t, "POST", "/board", { token, json: { title: text, content } });
      assert.equal(response.status, 201, await response.clone().text());
      assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      const raw = await response.text();
      const post: Post = JSON.parse(raw);
      assert.equal(post.title, text);
      assert.equal(post.content, content);
      // The raw JSON escapes what JSON must escape: no bare quote or control character.
      assert.ok(![...raw].some((c) => c.charCodeAt(0) < 0x20), `a raw control character: ${raw}`);
      if (text.includes('"')) assert.ok(raw.includes('\\"'), raw);
      const read: Post = await (await t.request(`/board/posts/${post.seq}`)).json();
      assert.equal(read.title, text);
      assert.equal(read.content, content);
      const stored = t.db.prepare("SELECT title, content FROM board WHERE seq = ?").get(post.seq);
      assert.equal(stored?.title, text);
      assert.equal(stored?.content, content);
      const edited = await call(t, "PUT", `/board/posts/${post.seq}`, {
        token,
        json: { title: text, content: text },
      });
      assert.equal(edited.status, 200);
      assert.equal(((await edited.json()) as Post).content, text);
      const search = await t.request(`/board/search?q=${encodeURIComponent(text)}`);
      assert.ok(search.status === 200 || search.status === 400, `search: ${search.status}`);
      await search.body?.cancel();
      const byPath = await t.request(`/board/posts/${encodeURIComponent(text)}`);
      assert.ok(byPath.status === 400 || byPath.status === 404, `path: ${byPath.status}`);
      await byPath.body?.cancel();
    });
  }
  const tables = t.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()
    .map((r) => r.name);
  assert.ok(tables.includes("board") && tables.includes("users") && tables.includes("log_api"));
  assert.equal(boardCount(t), 6 + NASTY.length, "the demo posts and every new one are there");
  const all: Post[] = await (await t.request("/board?limit=1000")).json();
  assert.deepEqual(all.slice(0, NASTY.length).map((p) => p.title).reverse(), NASTY);
});

// SQLite's length() stops at the first NUL and node:sqlite cuts bound text there, so a NUL
// must be refused before it reaches the database.
Deno.test("A NUL character in a title or content is refused with 400 or kept verbatim, never a 500", async (ctx) => {
  using t = await testApp();
  const token = await t.signUp("alice");
  for (
    const body of [
      { title: "\u0000", content: "x" },
      { title: "a\u0000b", content: "x" },
      { title: "t", content: "\u0000hidden" },
    ]
  ) {
    await ctx.step(JSON.stringify(body), async () => {
      const response = await call(t, "POST", "/board", { token, json: body });
      const text = await response.text();
      assert.ok(
        response.status === 400 || response.status === 201,
        `${JSON.stringify(body)} → ${response.status} ${text}`,
      );
      if (response.status === 201) {
        const post: Post = JSON.parse(text);
        assert.equal(post.title, body.title, "the title was silently cut at the NUL");
        assert.equal(post.content, body.content, "the content was silently cut at the NUL");
      }
    });
  }
});

Deno.test("A lone UTF-16 surrogate in a title is refused with 400 or kept verbatim, never altered", async () => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const response = await call(t, "POST", "/board", {
    token,
    text: '{"title":"a\\ud800b","content":"x"}',
    contentType: "application/json",
  });
  const text = await response.text();
  assert.ok(response.status === 400 || response.status === 201, `${response.status} ${text}`);
  if (response.status === 201) {
    const title = (JSON.parse(text) as Post).title;
    assert.equal(title, "a\ud800b", `the title was silently changed to ${JSON.stringify(title)}`);
  }
});

// --- Counters and spans ------------------------------------------------------------------

function counter(metrics: Map<string, MetricData>, name: string): number {
  const metric = metrics.get(name);
  if (metric === undefined) return 0;
  return metric.dataPoints.reduce((n, p) => n + Number(p.value), 0);
}

Deno.test("app.board.posts.created/updated/deleted count successful writes only", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const alice = await t.signUp("alice");
  const bob = await t.signUp("bob");
  const names = ["created", "updated", "deleted"].map((n) => `app.board.posts.${n}`);
  const counts = async () => {
    const metrics = await t.collectMetrics();
    return names.map((name) => counter(metrics, name));
  };
  assert.deepEqual(await counts(), [0, 0, 0]);
  const first = await createPost(t, alice, "One");
  const second = await createPost(t, alice, "Two");
  assert.deepEqual(await counts(), [2, 0, 0]);
  const edit = { title: "Edited", content: "Edited" };
  const ok = await call(t, "PUT", `/board/posts/${first.seq}`, { token: alice, json: edit });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  assert.deepEqual(await counts(), [2, 1, 0]);
  const deleted = await call(t, "DELETE", `/board/posts/${second.seq}`, { token: alice });
  assert.equal(deleted.status, 204);
  assert.deepEqual(await counts(), [2, 1, 1]);
  // Refused writes move nothing.
  for (
    const response of [
      await call(t, "POST", "/board", { token: alice, json: { title: "", content: "x" } }),
      await call(t, "POST", "/board", { json: { title: "t", content: "x" } }),
      await call(t, "PUT", `/board/posts/${first.seq}`, { token: bob, json: edit }),
      await call(t, "PUT", "/board/posts/99999", { token: alice, json: edit }),
      await call(t, "DELETE", `/board/posts/${first.seq}`, { token: bob }),
      await call(t, "DELETE", `/board/posts/${second.seq}`, { token: alice }),
    ]
  ) {
    assert.ok(response.status >= 400);
    await response.body?.cancel();
  }
  assert.deepEqual(await counts(), [2, 1, 1]);
  const metrics = await t.collectMetrics();
  for (const name of names) assert.equal(metrics.get(name)?.descriptor.unit, "{post}", name);
});

Deno.test("Board writes and account functions run inside traced() spans", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const register = await t.request("/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "carol", password: "carol-password-1" }),
  });
  assert.equal(register.status, 201);
  await register.body?.cancel();
  const login = await t.request("/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "carol", password: "carol-password-1" }),
  });
  assert.equal(login.status, 200);
  const { token } = await login.json();
  const post = await createPost(t, token, "Traced");
  const put = await call(t, "PUT", `/board/posts/${post.seq}`, {
    token,
    json: { title: "Traced 2", content: "x" },
  });
  assert.equal(put.status, 200);
  await put.body?.cancel();
  const del = await call(t, "DELETE", `/board/posts/${post.seq}`, { token });
  assert.equal(del.status, 204);
  const logout = await call(t, "POST", "/logout", { token });
  assert.equal(logout.status, 204);

  const spans = await t.finishedSpans();
  const names = new Set(spans.map((s) => s.name));
  for (
    const name of [
      "board.create",
      "board.update",
      "board.remove",
      "accounts.register",
      "accounts.login",
      "accounts.logout",
      "accounts.hash_password",
      "accounts.verify_password",
    ]
  ) {
    assert.ok(names.has(name), `no span "${name}" among ${[...names].sort().join(", ")}`);
  }
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const parentName = (name: string) => {
    const span = spans.find((s) => s.name === name)!;
    return byId.get(span.parentSpanContext?.spanId ?? "")?.name;
  };
  assert.equal(parentName("accounts.hash_password"), "accounts.register");
  assert.equal(parentName("accounts.verify_password"), "accounts.login");
  assert.equal(parentName("board.create"), "POST /board");
  assert.equal(parentName("board.update"), "PUT /board/posts/:seq");
  assert.equal(parentName("board.remove"), "DELETE /board/posts/:seq");
  // No signal carries the password or the session token.
  const everything = JSON.stringify(
    spans.map((s) => [s.name, s.attributes, s.events.map((e) => e.attributes)]),
  );
  assert.ok(!everything.includes("carol-password-1"), "a span holds the password");
  assert.ok(!everything.includes(token), "a span holds the session token");
});

Deno.test("A refused board write is an outcome on its service span, not a failure", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const alice = await t.signUp("alice");
  const response = await call(t, "PUT", "/board/posts/1", {
    token: alice,
    json: { title: "Mine now", content: "x" },
  });
  assert.equal(response.status, 403);
  await response.body?.cancel();
  const update = (await t.finishedSpans()).find((s) => s.name === "board.update");
  assert.ok(update, "a board.update span");
  // Issue 13 item 5: a 403 is an expected outcome, so no ERROR status and no exception event.
  assert.equal(update.status.code, 0, "SpanStatusCode.UNSET");
  assert.equal(update.attributes["app.outcome"], "forbidden");
  assert.equal(update.attributes["error.type"], undefined);
  assert.ok(!update.events.some((e) => e.name === "exception"));
});
