/** @module Tests for PUT /me/password: the change and the sessions it revokes. */

import assert from "node:assert/strict";
import { passwordOf, testApp } from "../../testing/test_app.ts";
import {
  anotherSession,
  bearer,
  expectProblem,
  login,
  meStatus,
  sendJson,
} from "./_auth_helpers.ts";

// PUT /me/password

Deno.test("PUT /me/password changes the password and revokes every other session of the user", async () => {
  using t = await testApp();
  const keep = await t.signUp("alice");
  const other = await anotherSession(t, "alice");
  const bob = await t.signUp("bobby");
  const change = (token: string | undefined, body: unknown) =>
    sendJson(t, "/me/password", body, {
      method: "PUT",
      ...(token === undefined ? {} : bearer(token)),
    });
  const current = passwordOf("alice");
  await expectProblem(
    await change(undefined, { current_password: current, new_password: "a-new-password" }),
    401,
    "unauthenticated",
  );
  await expectProblem(
    await change(keep, { current_password: "not-my-password", new_password: "a-new-password" }),
    403,
    "forbidden",
    /current password is not correct/,
  );
  await expectProblem(
    await change(keep, { current_password: current, new_password: "short" }),
    400,
    "invalid_body",
    /8-256 characters/,
  );
  await expectProblem(
    await change(keep, { current_password: current }),
    400,
    "invalid_body",
    /Missing field "new_password"/,
  );
  await expectProblem(
    await change(keep, { password: current, new_password: "a-new-password" }),
    400,
    "invalid_body",
    /Unknown field "password"/,
  );
  assert.equal(await meStatus(t, other), 200, "failed attempts revoke nothing");

  const done = await change(keep, { current_password: current, new_password: "a-new-password" });
  assert.equal(done.status, 204);
  assert.equal(await done.text(), "");
  assert.equal(await meStatus(t, keep), 200, "the session that made the change keeps working");
  assert.equal(await meStatus(t, other), 401, "another session of the user is revoked");
  assert.equal(await meStatus(t, bob), 200, "someone else's session is untouched");
  await expectProblem(await login(t, "alice", current), 401, "unauthenticated");
  assert.equal((await login(t, "alice", "a-new-password")).status, 200);
});

Deno.test("PUT /me/password through the cookie session keeps that session", async () => {
  using t = await testApp();
  const keep = await t.signUp("alice");
  const other = await anotherSession(t, "alice");
  const response = await sendJson(t, "/me/password", {
    current_password: passwordOf("alice"),
    new_password: "a-new-password",
  }, { method: "PUT", headers: { cookie: `otel_board_session=${keep}` } });
  assert.equal(response.status, 204);
  assert.equal(await meStatus(t, keep), 200);
  assert.equal(await meStatus(t, other), 401);
});
