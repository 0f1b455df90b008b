/** @module Tests for the admin password file: where it goes, its mode, and its two-step write. */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  adminPasswordPath,
  stageAdminPasswordFile,
  writeAdminPasswordFile,
} from "../../lib/admin_password_file.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const CONTENT = { username: "admin", password: "Secret-pw-0123456789ab", what: "a test" };

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

Deno.test("The password file goes beside the database unless ADMIN_PASSWORD_FILE names one; :memory: has none", () => {
  assert.equal(
    adminPasswordPath("/srv/b/otel-board.db", undefined),
    "/srv/b/otel-board.db.admin-password.txt",
  );
  assert.equal(adminPasswordPath("/srv/b/otel-board.db", "/run/secret.txt"), "/run/secret.txt");
  assert.equal(adminPasswordPath(":memory:", undefined), undefined);
  assert.equal(adminPasswordPath(":memory:", "/run/secret.txt"), "/run/secret.txt");
});

Deno.test("An older, world-readable password file is replaced by an owner-only one", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "otel-board.db.admin-password.txt");
  Deno.writeTextFileSync(path, "old content\n", { mode: 0o644 });
  if (Deno.build.os !== "windows") Deno.chmodSync(path, 0o644);
  writeAdminPasswordFile(path, CONTENT);
  const text = Deno.readTextFileSync(path);
  assert.match(text, /^username: admin$/m);
  assert.match(text, /^password: Secret-pw-0123456789ab$/m);
  assert.match(text, /delete this file/);
  assert.ok(!text.includes("old content"));
  if (Deno.build.os !== "windows") assert.equal((Deno.statSync(path).mode ?? 0) & 0o777, 0o600);
  assert.deepEqual(names(dir.path), ["otel-board.db.admin-password.txt"], "no temporary file left");
});

Deno.test("A staged password file is not in place until committed, and a discarded one leaves nothing", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "pw.txt");
  const staged = stageAdminPasswordFile(path, CONTENT);
  assert.equal(names(dir.path).length, 1);
  assert.ok(!names(dir.path).includes("pw.txt"), "only under a temporary name so far");
  staged.discard();
  assert.deepEqual(names(dir.path), []);
  const again = stageAdminPasswordFile(path, CONTENT);
  again.commit();
  assert.deepEqual(names(dir.path), ["pw.txt"]);
});

Deno.test("A password file in a missing folder fails without leaving anything behind", async () => {
  await using dir = await tempDir();
  assert.throws(
    () => writeAdminPasswordFile(join(dir.path, "missing", "pw.txt"), CONTENT),
    Deno.errors.NotFound,
  );
  assert.deepEqual(names(dir.path), []);
});
