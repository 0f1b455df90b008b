/** @module Tests for the real-process helpers: the permission flags and the environment passed. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "./root.ts";
import { compilePermissionFlags, passThroughEnv, serverArgs } from "./server_process.ts";

Deno.test("compilePermissionFlags are the permission flags of deno.json's compile task", () => {
  const task: string = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks.compile;
  const flags = compilePermissionFlags();
  assert.ok(flags.length > 0);
  for (const flag of flags) assert.ok(task.split(/\s+/).includes(flag), flag);
  assert.ok(!flags.some((flag) => flag.startsWith("--output") || flag.startsWith("--include")));
});

Deno.test("serverArgs run main.ts with those flags, then the given arguments", () => {
  const args = serverArgs(["--help"]);
  assert.equal(args[0], "run");
  assert.deepEqual(args.slice(-2), [join(ROOT, "main.ts"), "--help"]);
  for (const flag of compilePermissionFlags()) assert.ok(args.includes(flag), flag);
});

Deno.test("passThroughEnv keeps what Deno needs and none of the service's settings", () => {
  const env = passThroughEnv();
  assert.equal(env.PATH, Deno.env.get("PATH"));
  for (const name of Object.keys(env)) {
    assert.ok(!/^(PORT|DB_PATH|OTEL_|LOG_|RATE_LIMIT_)/.test(name), name);
  }
});
