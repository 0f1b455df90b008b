/** @module Tests for the accounts service rules that the HTTP tests do not reach. */

import assert from "node:assert/strict";
import { testApp } from "../../testing/test_app.ts";

Deno.test("ensureAdmin creates no second admin (and prints no password) when an admin already exists", async () => {
  using t = await testApp();
  await t.accounts.ensureAdmin("admin", "first-admin-password");
  const second = await t.accounts.ensureAdmin("root", undefined);
  assert.deepEqual(second, { created: false });
  assert.equal(await t.accounts.find("root"), undefined);
});

Deno.test("ensureAdmin with no admin at all creates one with a generated password that signs in", async () => {
  using t = await testApp();
  const result = await t.accounts.ensureAdmin("admin", undefined);
  assert.equal(result.created, true);
  assert.match(result.generatedPassword ?? "", /^[A-Za-z0-9_-]{24}$/);
  const session = await t.accounts.login("admin", result.generatedPassword!);
  assert.equal((await t.accounts.authenticate(session.token))?.role, "admin");
});

Deno.test("A password with a lone surrogate is refused: it could not be told apart from another", async () => {
  using t = await testApp();
  await assert.rejects(
    () => t.accounts.register("sam", "\ud800abcdefgh"),
    /broken UTF-16 surrogate/,
  );
});
