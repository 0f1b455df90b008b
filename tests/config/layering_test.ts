/** @module Tests that config/ stays below the rest of the service: it imports no http/, services/ or telemetry/ module. */

import assert from "node:assert/strict";

Deno.test("config/ imports no module from http/, services/ or telemetry/", async () => {
  const dir = new URL("../../config/", import.meta.url);
  let files = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    files++;
    const source = await Deno.readTextFile(new URL(entry.name, dir));
    for (const [, target] of source.matchAll(/\bfrom\s+"([^"]+)"/g)) {
      assert.doesNotMatch(
        target!,
        /^\.\.\/(http|services|telemetry)\//,
        `${entry.name}: ${target}`,
      );
    }
  }
  assert.ok(files >= 5, `found only ${files} files in config/`);
});
