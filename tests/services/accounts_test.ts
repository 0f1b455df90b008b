/** @module Tests for the accounts service rules that the HTTP tests do not reach. */

import assert from "node:assert/strict";
import { passwordOf, testApp } from "../../testing/test_app.ts";

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

Deno.test("ensureAdmin says when ADMIN_PASSWORD differs from the existing admin's, and changes nothing", async () => {
  using t = await testApp();
  await t.accounts.ensureAdmin("admin", "first-admin-password");
  assert.deepEqual(await t.accounts.ensureAdmin("admin", "first-admin-password"), {
    created: false,
  });
  assert.deepEqual(await t.accounts.ensureAdmin("admin", "another-password"), {
    created: false,
    passwordNotApplied: true,
  });
  await assert.rejects(t.accounts.login("admin", "another-password"));
  assert.ok((await t.accounts.login("admin", "first-admin-password")).token);
});

Deno.test("ensureAdmin with generate off creates no admin without a password, and says one is needed", async () => {
  using t = await testApp();
  const result = await t.accounts.ensureAdmin("admin", undefined, { generate: false });
  assert.deepEqual(result, { created: false, passwordNeeded: true });
  assert.equal(await t.accounts.find("admin"), undefined);
});

Deno.test("resetPassword replaces the password and revokes every session of that user only", async () => {
  using t = await testApp();
  const alice = await t.signUp("alice");
  const alice2 = (await t.accounts.login("alice", passwordOf("alice"))).token;
  const bob = await t.signUp("bobby");
  assert.equal(await t.accounts.resetPassword("alice", "a-brand-new-password"), 2);
  assert.equal(await t.accounts.authenticate(alice), undefined);
  assert.equal(await t.accounts.authenticate(alice2), undefined);
  assert.equal((await t.accounts.authenticate(bob))?.username, "bobby");
  await assert.rejects(t.accounts.login("alice", passwordOf("alice")));
  assert.ok((await t.accounts.login("alice", "a-brand-new-password")).token);
  await assert.rejects(t.accounts.resetPassword("nobody", "a-brand-new-password"), {
    name: "DomainError",
    message: 'There is no user "nobody"',
  });
});
