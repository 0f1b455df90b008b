/**
 * @module The board's pages in a real Chromium: a person signs up, signs in, writes in Korean,
 * finds the post by a two-syllable word, edits and deletes it; another user cannot; it works
 * without JavaScript and at 360 px. Every page view has its log_api row and SERVER span.
 */

import { SpanKind } from "@opentelemetry/api";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../../testing/browser.ts";
import { signInInBrowser, signUpInBrowser, writeInBrowser } from "../../testing/browser_pages.ts";
import { poll } from "../../testing/poll.ts";
import { serveApp } from "../../testing/serve_app.ts";
import { passwordOf, TELEMETRY, testApp } from "../../testing/test_app.ts";

const KOREAN = { locale: "ko-KR", extraHTTPHeaders: { "accept-language": "ko-KR,ko;q=0.9" } };

/** The traceparent the page carries: the trace and span id of its SERVER span. */
async function traceparentOf(page: Page): Promise<{ traceId: string; spanId: string }> {
  const value = await page.getAttribute('meta[name="traceparent"]', "content");
  const [, traceId = "", spanId = ""] =
    /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(value ?? "") ??
      [];
  assert.ok(traceId !== "", `traceparent ${value}`);
  return { traceId, spanId };
}

Deno.test("A person signs up, writes in Korean, finds, edits and deletes a post; another user cannot", async () => {
  await using browser = await launchChromium();
  if (browser === undefined) return;
  await using t = await testApp({ settings: TELEMETRY });
  await using served = serveApp(t.app);
  const base = served.baseUrl;
  const author = await browser.newContext(KOREAN);
  const page = await author.newPage();
  // The pages' own script runs under their CSP, and nothing else is refused by it.
  const refused: string[] = [];
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) refused.push(message.text());
  });
  const views: { route: string; path: string; traceId: string; spanId: string }[] = [];
  const viewed = async (route: string) => {
    views.push({ route, path: new URL(page.url()).pathname, ...await traceparentOf(page) });
  };

  await signUpInBrowser(page, base, "minji", "minji-password-1");
  await viewed("/");
  assert.equal(await page.textContent('a[href="/account"]'), "minji");
  await page.click('form[action="/signout"] button');
  await page.waitForSelector('a[href="/signin"]');
  await signInInBrowser(page, base, "minji", "minji-password-1");

  const seq = await writeInBrowser(page, base, {
    title: "서울 날씨 이야기",
    content: "오늘 서울은 맑고 바람이 시원합니다.\n내일은 비가 온다고 합니다.",
  });
  await viewed("/posts/:seq");
  assert.equal(await page.textContent("h1"), "서울 날씨 이야기");
  assert.match(await page.textContent("p.body") ?? "", /내일은 비가 온다고/);
  // The script wrote the time in the reader's zone, keeping the server's text as its title.
  await page.waitForSelector("time[title]");

  await page.goto(`${base}/`);
  await page.fill("#q", "날씨");
  await Promise.all([page.waitForURL(/\?q=/), page.click("form.search button")]);
  await viewed("/");
  assert.deepEqual(await page.locator("ul.posts h2").allTextContents(), ["서울 날씨 이야기"]);

  await page.click(`a[href="/posts/${seq}"]`);
  await page.click(`a[href="/posts/${seq}/edit"]`);
  await viewed("/posts/:seq/edit");
  assert.equal(await page.inputValue("#field-title"), "서울 날씨 이야기");
  await page.fill("#field-title", "부산 날씨 이야기");
  await Promise.all([
    page.waitForURL(`${base}/posts/${seq}`),
    page.click(`form[action="/posts/${seq}/edit"] button`),
  ]);
  assert.equal(await page.textContent("h1"), "부산 날씨 이야기");
  assert.match(await page.textContent("p.meta") ?? "", /수정됨/);

  // Another user sees the post without edit and delete, and a forged same-origin post is 403.
  const other = await browser.newContext(KOREAN);
  const otherPage = await other.newPage();
  await signUpInBrowser(otherPage, base, "junho", "junho-password-1");
  await otherPage.goto(`${base}/posts/${seq}`);
  assert.equal(await otherPage.textContent("h1"), "부산 날씨 이야기");
  assert.equal(await otherPage.locator(`a[href="/posts/${seq}/edit"]`).count(), 0);
  assert.equal(await otherPage.locator(`form[action="/posts/${seq}/delete"]`).count(), 0);
  const forged = await otherPage.evaluate(async (seq) => {
    const body = new URLSearchParams({ title: "hijacked", content: "hijacked" });
    const edit = await fetch(`/posts/${seq}/edit`, { method: "POST", body });
    const remove = await fetch(`/posts/${seq}/delete`, { method: "POST", body: "" + body });
    return [edit.status, remove.status];
  }, seq);
  assert.deepEqual(forged, [403, 403]);
  await otherPage.goto(`${base}/posts/${seq}/edit`);
  assert.match(await otherPage.textContent("h1") ?? "", /권한이 없습니다/);

  await page.click(`form[action="/posts/${seq}/delete"] button`);
  await page.waitForURL(`${base}/`);
  const gone = await page.goto(`${base}/posts/${seq}`);
  assert.equal(gone?.status(), 404);
  assert.match(await page.textContent("h1") ?? "", /찾는 내용이 없습니다/);
  assert.match(await page.textContent(".trace-note") ?? "", /[0-9a-f]{32}/);

  // Every page view is a request like any other: its SERVER span and its log_api row.
  const rows = await poll(async () => {
    const all = await t.logRows();
    return views.every((v) => all.some((r) => r.trace_id === v.traceId)) && all;
  }, { what: "the page views' log_api rows" });
  const spans = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  for (const view of views) {
    const span = spans.find((s) => s.spanContext().spanId === view.spanId);
    assert.equal(span?.attributes["http.route"], view.route, view.path);
    assert.equal(span?.name, `GET ${view.route}`);
    const row = rows.find((r) => r.trace_id === view.traceId);
    assert.equal(row?.call_url, view.path);
    assert.equal(row?.status, 200);
  }
  assert.deepEqual(refused, [], "no CSP refusals");
  await other.close();
  await author.close();
});

Deno.test("Without JavaScript a person still signs in and posts (plain forms, redirect after post)", async () => {
  await using browser = await launchChromium();
  if (browser === undefined) return;
  using t = await testApp();
  await using served = serveApp(t.app);
  await t.signUp("plain");
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "en-US" });
  const page = await context.newPage();
  await signInInBrowser(page, served.baseUrl, "plain", passwordOf("plain"));
  assert.equal(await page.getAttribute("html", "lang"), "en");
  const seq = await writeInBrowser(page, served.baseUrl, {
    title: "No script needed",
    content: "Posted from a browser with JavaScript off.",
  });
  assert.equal(await page.textContent("h1"), "No script needed");
  const stored = await (await t.request(`/board/posts/${seq}`)).json();
  assert.equal(stored.author, "plain");
  await context.close();
});

/** The pages at 360x640, each with the session it needs. */
const NARROW_PAGES = [
  "/",
  "/posts/1",
  "/signin",
  "/signup",
  "/write",
  "/account",
  "/manage/log",
  "/manage/users",
  "/posts/999",
];

Deno.test("At 360x640 and at 1280x800 no page scrolls sideways and every control is in view", async () => {
  await using browser = await launchChromium();
  if (browser === undefined) return;
  using t = await testApp();
  await using served = serveApp(t.app);
  await t.signUp("root", "admin");
  await t.signUp("second-user");
  for (const width of [360, 1280]) {
    const context: BrowserContext = await browser.newContext({
      viewport: { width, height: width === 360 ? 640 : 800 },
    });
    const page: Page = await context.newPage();
    await signInInBrowser(page, served.baseUrl, "root", passwordOf("root"));
    for (const path of NARROW_PAGES) {
      await page.goto(`${served.baseUrl}${path}`);
      const scrollWidth: number = Number(
        await page.evaluate("document.documentElement.scrollWidth"),
      );
      assert.ok(scrollWidth <= width, `${path} at ${width}px is ${scrollWidth}px wide`);
      const controls = page.locator(
        'input:not([type="hidden"]), button, select, textarea, header a, .pager a',
      );
      for (let i = 0; i < await controls.count(); i++) {
        const control = controls.nth(i);
        const box = await control.boundingBox();
        const what = `${path} at ${width}px: ${await control.evaluate((e: { outerHTML: string }) =>
          e.outerHTML.slice(0, 80)
        )}`;
        assert.ok(box !== null && box.width > 0 && box.height > 0, `${what} is visible`);
        assert.ok(
          box.x >= 0 && box.x + box.width <= width + 0.5,
          `${what} is in view (${box.x}+${box.width})`,
        );
      }
    }
    await context.close();
  }
});
