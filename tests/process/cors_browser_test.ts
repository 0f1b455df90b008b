/**
 * @module A front end on another origin, in a real Chromium, reads the headers it needs from
 * otel-board's answers: Link (paging), x-trace-id, Retry-After (429) and Location (201).
 */

import assert from "node:assert/strict";
import { launchChromium } from "../../testing/browser.ts";
import { startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

/** The page's script: four cross-origin calls, then what JavaScript could read of each. */
function pageHtml(api: string, token: string): string {
  return `<!doctype html><meta charset="utf-8"><title>front end</title><script>
(async () => {
  const api = ${JSON.stringify(api)};
  const auth = { authorization: "Bearer ${token}" };
  const page = await fetch(api + "/board?limit=1");
  const first = await fetch(api + "/board/search?q=demo");
  const limited = await fetch(api + "/board/search?q=demo");
  const created = await fetch(api + "/board", {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ title: "from the front end", content: "posted cross-origin" }),
  });
  window.result = {
    link: page.headers.get("link"),
    traceId: page.headers.get("x-trace-id"),
    firstSearch: first.status,
    limitedStatus: limited.status,
    retryAfter: limited.headers.get("retry-after"),
    createdStatus: created.status,
    location: created.headers.get("location"),
    notExposed: page.headers.get("x-content-type-options"),
  };
})().catch((error) => { window.result = { error: String(error) }; });
</script>`;
}

Deno.test("A page on another origin reads Link, x-trace-id, Retry-After and Location in Chromium", async () => {
  await using browser = await launchChromium();
  if (browser === undefined) return;
  await using dir = await tempDir();
  // The page names the API's port, known only once the server below listens.
  let html = "";
  const pageServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }),
  );
  await using _pages = { [Symbol.asyncDispose]: () => pageServer.shutdown() };
  const origin = `http://127.0.0.1:${pageServer.addr.port}`;
  await using server = await startServer({
    CORS_ALLOWED_ORIGINS: origin,
    RATE_LIMIT_SEARCH: "1/1m",
    OTEL_TRACES_EXPORTER: "none",
  }, dir.path);
  const token = await signIn(server.baseUrl);
  html = pageHtml(server.baseUrl, token);

  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => "result" in globalThis, undefined, { timeout: 10_000 });
  const result = await page.evaluate(() => (globalThis as { result?: unknown }).result) as Record<
    string,
    unknown
  >;
  assert.equal(result.error, undefined, String(result.error));
  assert.match(String(result.link), /^<\/board\?limit=1&before=\d+>; rel="next"$/);
  assert.match(String(result.traceId), /^[0-9a-f]{32}$/);
  assert.equal(result.firstSearch, 200);
  assert.equal(result.limitedStatus, 429);
  assert.match(String(result.retryAfter), /^\d+$/);
  assert.equal(result.createdStatus, 201);
  assert.match(String(result.location), /^\/board\/posts\/\d+$/);
  assert.equal(result.notExposed, null, "a header not exposed stays hidden from the page");
});

/** Registers and signs in a user through the API; answers the session token. */
async function signIn(baseUrl: string): Promise<string> {
  const credentials = JSON.stringify({ username: "frontend", password: "frontend-password-1" });
  const headers = { "content-type": "application/json" };
  const registered = await fetch(`${baseUrl}/register`, {
    method: "POST",
    headers,
    body: credentials,
  });
  assert.equal(registered.status, 201, await registered.text());
  const login = await fetch(`${baseUrl}/login`, { method: "POST", headers, body: credentials });
  assert.equal(login.status, 200);
  return (await login.json()).token;
}
