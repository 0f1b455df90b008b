/** @module Tests for access rules and headers: GET /log admin-only, secure headers and CORS. */

import assert from "node:assert/strict";
import { testApp } from "../../testing/test_app.ts";
import { bearer, expectProblem, register, sendJson } from "./_auth_helpers.ts";

// GET /log access

Deno.test("GET /log is admin-only unless LOG_API_PUBLIC", async () => {
  using t = await testApp({ settings: { LOG_API_PUBLIC: "false" } });
  const user = await t.signUp("alice");
  const admin = await t.signUp("root", "admin");
  const anonymous = await t.request("/log");
  await expectProblem(anonymous, 401, "unauthenticated");
  assert.ok(anonymous.headers.has("www-authenticate"));
  await expectProblem(await t.request("/log", bearer(user)), 403, "forbidden");
  assert.equal((await t.logRows()).length, 2, "both refusals are logged");
  const allowed = await t.request("/log", bearer(admin));
  assert.equal(allowed.status, 200);
  const rows = await allowed.json();
  assert.ok(Array.isArray(rows) && rows.length >= 2);

  using open = await testApp({ settings: { LOG_API_PUBLIC: "true" } });
  const response = await open.request("/log");
  assert.equal(response.status, 200);
  assert.ok(Array.isArray(await response.json()));
});

// ---------------------------------------------------------------------------------------------
// Secure headers and CORS

Deno.test("Every response carries the secure headers and no CORS header by default", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_LOGIN: "1/1m" } });
  const token = await t.signUp("alice");
  const responses = [
    await register(t, "bobby", "a-good-password"),
    await t.request("/me", bearer(token)),
    await t.request("/me", { headers: { origin: "https://evil.example" } }),
    await sendJson(t, "/login", "{"),
    await sendJson(t, "/login", "{"),
    await t.request("/nope"),
    await t.request("/login"),
    await sendJson(t, "/register", "x".repeat(70_000)),
    await t.request("/board/1", { headers: { origin: "https://evil.example" } }),
  ];
  assert.deepEqual(responses.map((r) => r.status), [201, 200, 401, 400, 429, 404, 405, 413, 200]);
  for (const response of responses) {
    await response.body?.cancel();
    const h = response.headers;
    const where = `${response.status}`;
    assert.equal(h.get("x-content-type-options"), "nosniff", where);
    assert.ok(h.get("x-frame-options"), where);
    assert.ok(h.get("referrer-policy"), where);
    assert.equal(h.get("access-control-allow-origin"), null, where);
    assert.equal(h.get("access-control-allow-credentials"), null, where);
  }
});

Deno.test("With CORS_ALLOWED_ORIGINS, only a listed Origin gets Access-Control-Allow-Origin", async () => {
  using t = await testApp({ settings: { CORS_ALLOWED_ORIGINS: "https://app.example" } });
  const listed = await t.request("/board/1", { headers: { origin: "https://app.example" } });
  assert.equal(listed.status, 200);
  await listed.body?.cancel();
  assert.equal(listed.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(listed.headers.get("access-control-allow-credentials"), "true");
  for (const origin of ["https://evil.example", "http://app.example", "https://app.example.evil"]) {
    const other = await t.request("/board/1", { headers: { origin } });
    await other.body?.cancel();
    assert.equal(other.headers.get("access-control-allow-origin"), null, origin);
  }
  const preflight = await t.request("/login", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
  await preflight.body?.cancel();
  assert.ok(preflight.status === 204 || preflight.status === 200, `${preflight.status}`);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
  const refusedPreflight = await t.request("/login", {
    method: "OPTIONS",
    headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
  });
  await refusedPreflight.body?.cancel();
  assert.equal(refusedPreflight.headers.get("access-control-allow-origin"), null);
});
