/** @module The pages in process: HTML answers and errors, languages, the cross-site check, headers. */

import { SpanKind } from "@opentelemetry/api";
import assert from "node:assert/strict";
import { SESSION_COOKIE } from "../../../http/auth.ts";
import { TELEMETRY, testApp } from "../../../testing/test_app.ts";

const FORM = "application/x-www-form-urlencoded";
/** A same-origin browser post, as Chromium sends it (app.request's host is localhost). */
const SAME_ORIGIN = {
  "content-type": FORM,
  origin: "http://localhost",
  "sec-fetch-site": "same-origin",
};

function cookieOf(token: string): string {
  return `${SESSION_COOKIE}=${token}`;
}

Deno.test("GET / answers the board as HTML in Korean, with a strict CSP and the span's traceparent", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const response = await t.request("/");
  const html = await response.text();
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^text\/html/);
  assert.match(html, /^<!doctype html><html lang="ko">/);
  assert.match(html, /Welcome to otel-board/);
  const csp = response.headers.get("content-security-policy")!;
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
  assert.ok(nonce !== undefined, csp);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /style-src 'self'/);
  assert.ok(html.includes(`nonce="${nonce}"`), "the page's one script carries the nonce");
  assert.equal(response.headers.get("cache-control"), "no-store");
  const traceparent = /<meta name="traceparent" content="([^"]+)">/.exec(html)?.[1];
  const server = (await t.finishedSpans()).find((s) => s.kind === SpanKind.SERVER)!;
  assert.equal(traceparent, `00-${server.spanContext().traceId}-${server.spanContext().spanId}-01`);
  assert.equal(server.attributes["http.route"], "/");
  const [row] = await t.logRows();
  assert.equal(row?.call_url, "/");
  assert.equal(row?.trace_id, server.spanContext().traceId);
});

Deno.test("The pages speak English when Accept-Language prefers it, and the lang cookie wins", async () => {
  using t = await testApp();
  const english = await (await t.request("/signin", {
    headers: { "accept-language": "en-US,en;q=0.9,ko;q=0.8" },
  })).text();
  assert.match(english, /<html lang="en">/);
  assert.match(english, /<label for="field-username">Username<\/label>/);
  const korean = await (await t.request("/signin", {
    headers: { "accept-language": "en-US", cookie: "lang=ko" },
  })).text();
  assert.match(korean, /<label for="field-username">아이디<\/label>/);
  const switched = await t.request("/lang", {
    method: "POST",
    headers: SAME_ORIGIN,
    body: "lang=en&next=%2Fsignin",
  });
  assert.equal(switched.status, 303);
  assert.equal(switched.headers.get("location"), "/signin");
  assert.match(
    switched.headers.get("set-cookie")!,
    /^lang=en; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/,
  );
});

Deno.test("A form post without Origin or from another origin is refused 403 with an HTML page", async () => {
  using t = await testApp();
  const token = await t.signUp("writer");
  const posts = [
    { cookie: cookieOf(token), "content-type": FORM },
    { cookie: cookieOf(token), "content-type": FORM, origin: "http://evil.example" },
    {
      cookie: cookieOf(token),
      "content-type": FORM,
      "sec-fetch-site": "same-site",
      origin: "http://localhost",
    },
    { cookie: cookieOf(token), "content-type": FORM, "sec-fetch-site": "cross-site" },
  ];
  for (const headers of posts) {
    const response = await t.request("/write", {
      method: "POST",
      headers,
      body: "title=forged&content=forged",
    });
    const html = await response.text();
    assert.equal(response.status, 403, JSON.stringify(headers));
    assert.match(html, /이 작업을 할 권한이 없습니다/);
  }
  const board = await (await t.request("/board")).json() as { title: string }[];
  assert.ok(board.every((post) => post.title !== "forged"));
  const accepted = await t.request("/write", {
    method: "POST",
    headers: { ...SAME_ORIGIN, cookie: cookieOf(token) },
    body: "title=honest&content=from+the+form",
  });
  assert.equal(accepted.status, 303);
  assert.match(accepted.headers.get("location")!, /^\/posts\/\d+$/);
});

Deno.test("A rule broken in a form is shown beside its field, keyed by the API's code and field", async () => {
  using t = await testApp();
  const token = await t.signUp("writer");
  const response = await t.request("/write", {
    method: "POST",
    headers: { ...SAME_ORIGIN, cookie: cookieOf(token), "accept-language": "en" },
    body: new URLSearchParams({ title: "가".repeat(31), content: "body" }).toString(),
  });
  const html = await response.text();
  assert.equal(response.status, 400);
  assert.match(html, /id="field-title-error" role="alert">The title must be 1-30 characters/);
  assert.match(html, /value="가{31}"/, "what was typed is kept");
  const taken = await t.request("/signup", {
    method: "POST",
    headers: SAME_ORIGIN,
    body: "username=writer&password=long-enough-1",
  });
  assert.equal(taken.status, 409);
  assert.match(
    await taken.text(),
    /id="field-username-error" role="alert">이미 쓰이는 아이디입니다/,
  );
});

Deno.test("Page errors are HTML with the trace id and no internals; the API keeps problem+json", async () => {
  await using t = await testApp({
    settings: TELEMETRY,
    board: { page: () => Promise.reject(new Error("SQLITE_CORRUPT: SELECT secret FROM board")) },
  });
  const failed = await t.request("/");
  const html = await failed.text();
  assert.equal(failed.status, 500);
  assert.match(failed.headers.get("content-type")!, /^text\/html/);
  assert.ok(!html.includes("SQLITE") && !html.includes("SELECT") && !html.includes(" at "), html);
  assert.ok(html.includes(failed.headers.get("x-trace-id")!), "the page quotes the trace id");
  const missing = await t.request("/posts/424242");
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /찾는 내용이 없습니다/);
  const api = await t.request("/board");
  assert.equal(api.status, 500);
  assert.match(api.headers.get("content-type")!, /^application\/problem\+json/);
  const unknown = await t.request("/no-such-page");
  assert.match(unknown.headers.get("content-type")!, /^application\/problem\+json/);
});

Deno.test("A post titled <script> is escaped in the board and in its page", async () => {
  using t = await testApp();
  const token = await t.signUp("writer");
  await t.request("/write", {
    method: "POST",
    headers: { ...SAME_ORIGIN, cookie: cookieOf(token) },
    body: new URLSearchParams({ title: "<script>alert(1)</script>", content: `"><img src=x>` })
      .toString(),
  });
  for (const path of ["/", "/posts/7"]) {
    const html = await (await t.request(path)).text();
    assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"), path);
    assert.ok(!html.includes("<script>alert"), path);
    assert.ok(!html.includes("<img src=x>"), path);
  }
});

Deno.test("The style sheet is a module of the program: linked by its hash, kept a year, else revalidated by ETag", async () => {
  using t = await testApp();
  const html = await (await t.request("/")).text();
  const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1];
  assert.match(href!, /^\/static\/board\.css\?v=[0-9a-f]{24}$/);
  const linked = await t.request(href!);
  assert.equal(linked.status, 200);
  assert.match(linked.headers.get("content-type")!, /^text\/css/);
  assert.match(await linked.text(), /font-family: system-ui/);
  assert.equal(linked.headers.get("cache-control"), "public, max-age=31536000, immutable");
  const plain = await t.request("/static/board.css");
  await plain.body?.cancel();
  assert.equal(plain.headers.get("cache-control"), "public, no-cache");
  const etag = plain.headers.get("etag")!;
  assert.equal(etag, `"${href!.split("v=")[1]}"`);
  const again = await t.request("/static/board.css", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
});

Deno.test("Admin pages send an anonymous reader to sign in and refuse a user 403", async () => {
  using t = await testApp();
  const anonymous = await t.request("/manage/log");
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.get("location"), "/signin?next=%2Fmanage%2Flog");
  const token = await t.signUp("someone");
  const refused = await t.request("/manage/users", { headers: { cookie: cookieOf(token) } });
  assert.equal(refused.status, 403);
  assert.match(refused.headers.get("content-type")!, /^text\/html/);
});

Deno.test("TRACE_URL_TEMPLATE links each trace id of /manage/log; without it the id is text", async () => {
  for (const template of ["https://grafana.example/explore?trace={trace_id}", undefined]) {
    await using t = await testApp({
      settings: {
        ...TELEMETRY,
        ...(template === undefined ? {} : { TRACE_URL_TEMPLATE: template }),
      },
    });
    const admin = await t.signUp("root", "admin");
    const traceId = (await t.request("/board/1")).headers.get("x-trace-id")!;
    await t.logRows();
    const html = await (await t.request(`/manage/log?trace_id=${traceId}&url=`, {
      headers: { cookie: cookieOf(admin) },
    })).text();
    const linked = `<a href="https://grafana.example/explore?trace=${traceId}">${traceId}</a>`;
    assert.equal(html.includes(linked), template !== undefined, String(template));
    assert.ok(html.includes(`<td class="trace">${template === undefined ? traceId : linked}</td>`));
  }
});

Deno.test("Times show in DISPLAY_TIMEZONE, with the UTC time in <time datetime>", async () => {
  using t = await testApp({ settings: { DISPLAY_TIMEZONE: "Asia/Seoul" } });
  const korean = await (await t.request("/posts/1")).text();
  assert.match(
    korean,
    /<time datetime="2026-11-23T09:55:00.000Z">2026\. 11\. 23\. 오후 6:55<\/time>/,
  );
  const english = await (await t.request("/posts/1", { headers: { "accept-language": "en" } }))
    .text();
  assert.match(english, /<time datetime="2026-11-23T09:55:00.000Z">23 Nov 2026, 18:55<\/time>/);
});
