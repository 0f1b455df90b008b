/** @module Tests for tempDir: a fresh directory, removed with its contents on dispose. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "./temp_dir.ts";

Deno.test("tempDir makes an empty directory and removes it with its contents on dispose", async () => {
  let path: string;
  {
    await using dir = await tempDir();
    path = dir.path;
    assert.equal((await Deno.stat(path)).isDirectory, true);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(path)), []);
    await Deno.writeTextFile(join(path, "file.txt"), "x");
  }
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});
