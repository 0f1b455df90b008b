/**
 * @module The pages' defences in a real Chromium: a form on another loopback origin cannot
 * post for a signed-in reader, a `<script>` title stays text, and an admin finds a page view
 * in the call log by its trace id.
 */

import assert from "node:assert/strict";
import { launchChromium } from "../../testing/browser.ts";
import { signInInBrowser, writeInBrowser } from "../../testing/browser_pages.ts";
import { poll } from "../../testing/poll.ts";
import { serveApp } from "../../testing/serve_app.ts";
import { passwordOf, TELEMETRY, testApp } from "../../testing/test_app.ts";

/** A page of another site whose form posts a new post to the board at `board`. */
function attackerHtml(board: string): string {
  return `<!doctype html><meta charset="utf-8"><title>win a prize</title>
<form method="post" action="${board}/write">
  <input type="hidden" name="title" value="forged by another site">
  <input type="hidden" name="content" value="forged">
  <button type="submit">Claim</button>
</form>`;
}

Deno.test("A form on another loopback origin cannot post for a signed-in reader (403, nothing stored)", async () => {
  await using browser = await launchChromium();
  if (browser === undefined) return;
  using t = await testApp();
  await using served = serveApp(t.app);
  await t.signUp("victim");
  const attacker = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response(attackerHtml(served.baseUrl), {
        headers: { "content-type": "text/html; charset=utf-8" },
      }),
  );
  await using _attacker = { [Symbol.asyncDispose]: () => attacker.shutdown() };
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInInBrowser(page, served.baseUrl, "victim", passwordOf("victim"));
  // The same host on another port is the same site, so the Lax session cookie does go along:
  // only the origin check stops it. localhost is another site altogether.
  for (
    const origin of [
      `http://127.0.0.1:${attacker.addr.port}`,
      `http://localhost:${attacker.addr.port}`,
    ]
  ) {
    await page.goto(`${origin}/`);
    const [answer] = await Promise.all([
      page.waitForResponse(`${served.baseUrl}/write`),
      page.click("button"),
    ]);
    assert.equal(answer.status(), 403, origin);
    await page.waitForLoadState();
    assert.match(await page.textContent("h1") ?? "", /You may not do this|권한이 없습니다/);
  }
  const titles = ((await (await t.request("/board")).json()) as { title: string }[])
    .map((post) => post.title);
  assert.ok(!titles.includes("forged by another site"), titles.join(", "));
  // The same form on the board's own origin goes through: the check refuses only other sites.
  await page.goto(`${served.baseUrl}/write`);
  const seq = await writeInBrowser(page, served.baseUrl, { title: "own form", content: "fine" });
  assert.ok(seq > 0);
  await context.close();
});

Deno.test("A post titled <script>alert(1)</script> shows as text and runs nothing", async () => {
  await using browser = await launchChromium();
  if (browser === undefined) return;
  using t = await testApp();
  await using served = serveApp(t.app);
  await t.signUp("mallory");
  const context = await browser.newContext();
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await signInInBrowser(page, served.baseUrl, "mallory", passwordOf("mallory"));
  const title = "<script>alert(1)</script>";
  const seq = await writeInBrowser(page, served.baseUrl, {
    title,
    content: `<img src=x onerror="alert(2)"> and <b>bold</b>`,
  });
  assert.equal(await page.textContent("h1"), title);
  assert.match(await page.textContent("p.body") ?? "", /<img src=x onerror="alert\(2\)">/);
  await page.goto(`${served.baseUrl}/`);
  assert.equal(await page.textContent(`a[href="/posts/${seq}"]`), title);
  assert.ok(await page.getByText(title).first().isVisible());
  assert.equal(await page.locator("img").count(), 0, "the content's <img> is text too");
  assert.deepEqual(dialogs, [], "no script from a post ran");
  await context.close();
});

Deno.test("An admin filters /manage/log by the trace id of a page view", async () => {
  await using browser = await launchChromium();
  if (browser === undefined) return;
  await using t = await testApp({ settings: TELEMETRY });
  await using served = serveApp(t.app);
  await t.signUp("root", "admin");
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await signInInBrowser(page, served.baseUrl, "root", passwordOf("root"));
  await page.goto(`${served.baseUrl}/posts/2`);
  const traceparent = await page.getAttribute('meta[name="traceparent"]', "content");
  const traceId = traceparent!.split("-")[1]!;
  await poll(async () => (await t.logRows()).some((row) => row.trace_id === traceId), {
    what: "the page view's log_api row",
  });
  await page.goto(`${served.baseUrl}/manage/log`);
  await page.fill("#filter-trace_id", traceId.toUpperCase());
  await Promise.all([
    page.waitForURL(/trace_id=/),
    page.click('form[action="/manage/log"] button'),
  ]);
  const rows = await page.locator("table.log tbody tr").allInnerTexts();
  assert.equal(rows.length, 1, rows.join("\n"));
  assert.match(rows[0]!, /GET\s+\/posts\/2\s+200\s+root/);
  assert.ok(rows[0]!.includes(traceId));
  // A malformed trace id is explained on the page, as the API explains it.
  await page.fill("#filter-trace_id", "not-a-trace");
  await page.click('form[action="/manage/log"] button');
  await page.waitForSelector(".banner");
  assert.match(await page.textContent(".banner") ?? "", /expected 32 hexadecimal digits/);
  await context.close();
});
