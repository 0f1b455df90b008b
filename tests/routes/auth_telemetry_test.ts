/** @module Tests for accounts in the call log and telemetry: enduser.id, redaction, no secret anywhere, account metrics. */

import { SpanKind } from "@opentelemetry/api";
import assert from "node:assert/strict";
import { sessionTokenHash } from "../../services/session_tokens.ts";
import { passwordOf, TELEMETRY, testApp } from "../../testing/test_app.ts";
import {
  bearer,
  expectProblem,
  login,
  meStatus,
  register,
  sendJson,
  sumOf,
} from "./_auth_helpers.ts";

// Audit and telemetry

Deno.test("A request made with a session has its username in log_api.user_id and enduser.id on its span", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const token = await t.signUp("alice");
  await (await t.request("/me", bearer(token))).body?.cancel();
  await (await t.request("/board/1", { headers: { cookie: `otel_board_session=${token}` } }))
    .body?.cancel();
  await (await t.request("/board/1")).body?.cancel();
  await (await t.request("/me", bearer("A".repeat(43)))).body?.cancel();
  const rows = await t.logRows();
  assert.deepEqual(rows.map((r) => [r.call_url, r.status, r.user_id]), [
    ["/me", 200, "alice"],
    ["/board/1", 200, "alice"],
    ["/board/1", 200, null],
    ["/me", 401, null],
  ]);
  const servers = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.deepEqual(
    servers.map((s) => [s.name, s.attributes["enduser.id"]]),
    [
      ["GET /me", "alice"],
      ["GET /board/:count", "alice"],
      ["GET /board/:count", undefined],
      ["GET /me", undefined],
    ],
  );
  assert.deepEqual(
    rows.map((r) => r.trace_id),
    servers.map((s) => s.spanContext().traceId),
  );
});

Deno.test("password= and token= in a query string are stored as REDACTED in log_api and on the span", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  for (const path of ["/board/1", "/nope", "/login"]) {
    const response = await t.request(`${path}?password=hunter2&token=abc&page=2`);
    await response.body?.cancel();
  }
  const rows = await t.logRows();
  assert.deepEqual(rows.map((r) => [r.call_url, r.call_url_parameter]), [
    ["/board/1", "password=REDACTED&token=REDACTED&page=2"],
    ["/nope", "password=REDACTED&token=REDACTED&page=2"],
    ["/login", "password=REDACTED&token=REDACTED&page=2"],
  ]);
  const servers = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(servers.length, 3);
  for (const span of servers) {
    assert.equal(span.attributes["url.query"], "password=REDACTED&token=REDACTED&page=2");
  }
  const everything = JSON.stringify([
    rows,
    servers.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
    t.logLines,
    (await t.finishedLogs()).map((r) => ({ body: r.body, attributes: r.attributes })),
  ]);
  assert.ok(!everything.includes("hunter2"));
  assert.ok(!everything.includes("token=abc"));
});

Deno.test("No password, token or hash of either reaches spans, logs, log_api or the sessions table", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const password = "correct-horse-battery";
  const newPassword = "staple-horse-battery";
  const wrongPassword = "wrong-horse-battery";
  const adminToken = await t.signUp("root", "admin");

  assert.equal((await register(t, "alice", password)).status, 201);
  await expectProblem(await login(t, "alice", wrongPassword), 401, "unauthenticated");
  // A malformed body that contains the password: the parse error goes to the client only.
  await (await sendJson(t, "/login", `{"username":"alice","password":${password}}`)).body
    ?.cancel();
  const first = await login(t, "alice", password);
  const token1: string = (await first.json()).token;
  const token2: string = (await (await login(t, "alice", password)).json()).token;
  assert.equal(await meStatus(t, token1), 200);
  const viaCookie = await t.request("/me", { headers: { cookie: `otel_board_session=${token1}` } });
  assert.equal(viaCookie.status, 200);
  await viaCookie.body?.cancel();
  await (await t.request(`/board/1?password=${password}&token=${token1}`)).body?.cancel();
  const oldHash = String(
    t.db.prepare("SELECT password_hash FROM users WHERE username = 'alice'").get()?.password_hash,
  );
  const changed = await sendJson(t, "/me/password", {
    current_password: password,
    new_password: newPassword,
  }, { method: "PUT", ...bearer(token1) });
  assert.equal(changed.status, 204);
  assert.equal(await meStatus(t, token2), 401);

  // The sessions table holds the SHA-256 of live tokens, never the tokens.
  const sessions = JSON.stringify(t.db.prepare("SELECT * FROM sessions").all());
  for (const token of [token1, adminToken]) {
    assert.ok(!sessions.includes(token), "a token is stored in the clear");
    assert.ok(sessions.includes(await sessionTokenHash(token)), "the token's SHA-256 is stored");
  }
  assert.ok(!sessions.includes(token2));

  const logout = await t.request("/logout", { method: "POST", ...bearer(token1) });
  assert.equal(logout.status, 204);

  const hashes = t.db.prepare("SELECT password_hash FROM users").all()
    .map((r) => String(r.password_hash));
  hashes.push(oldHash);
  const tokens = [token1, token2, adminToken];
  const secrets = new Map<string, string>([
    ["password", password],
    ["new password", newPassword],
    ["wrong password", wrongPassword],
    ["admin password", passwordOf("root")],
  ]);
  for (const [i, token] of tokens.entries()) {
    secrets.set(`token ${i}`, token);
    secrets.set(`token hash ${i}`, await sessionTokenHash(token));
  }
  for (const [i, hash] of hashes.entries()) {
    secrets.set(`password hash ${i}`, hash);
    // The derived key alone, in case only part of the stored form leaks.
    secrets.set(`derived key ${i}`, hash.split("$")[3]!);
  }

  const spans = await t.finishedSpans();
  assert.ok(spans.some((s) => s.name === "accounts.login"), "service spans were recorded");
  assert.ok(spans.some((s) => s.attributes["db.collection.name"] === "sessions"));
  const records = await t.finishedLogs();
  assert.ok(t.logLines.length > 0 && records.length > 0, "log lines were written");
  const places: Record<string, string> = {
    spans: JSON.stringify(spans.map((s) => ({
      name: s.name,
      attributes: s.attributes,
      events: s.events,
      status: s.status,
      links: s.links,
    }))),
    "OTLP log records": JSON.stringify(records.map((r) => ({
      body: r.body,
      attributes: r.attributes,
      severityText: r.severityText,
      eventName: r.eventName,
    }))),
    "stdout log lines": JSON.stringify(t.logLines),
    log_api: JSON.stringify(await t.logRows()),
    metrics: JSON.stringify(
      [...(await t.collectMetrics()).values()].map((m) => m.dataPoints.map((p) => p.attributes)),
    ),
  };
  for (const [where, text] of Object.entries(places)) {
    for (const [what, secret] of secrets) {
      assert.ok(!text.includes(secret), `the ${what} appears in ${where}`);
    }
  }
});

Deno.test("app.accounts.registrations and app.accounts.logins{outcome} count registrations and sign-ins", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  assert.equal((await register(t, "alice", "a-good-password")).status, 201);
  assert.equal((await register(t, "bobby", "a-good-password")).status, 201);
  await (await register(t, "alice", "a-good-password")).body?.cancel(); // 409: not counted
  await (await login(t, "alice", "a-good-password")).body?.cancel();
  await (await login(t, "alice", "wrong-password")).body?.cancel();
  await (await login(t, "nobody", "wrong-password")).body?.cancel();
  const metrics = await t.collectMetrics();
  assert.equal(sumOf(metrics, "app.accounts.registrations"), 2);
  assert.equal(sumOf(metrics, "app.accounts.logins", { outcome: "success" }), 1);
  assert.equal(sumOf(metrics, "app.accounts.logins", { outcome: "failure" }), 2);
  await (await login(t, "bobby", "a-good-password")).body?.cancel();
  const later = await t.collectMetrics();
  assert.equal(sumOf(later, "app.accounts.logins", { outcome: "success" }), 2);
  assert.equal(sumOf(later, "app.accounts.registrations"), 2);
});
