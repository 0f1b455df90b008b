/** @module Tests for the line splitter. */

import assert from "node:assert/strict";
import { lineSplitter } from "./line_splitter.ts";

Deno.test("lineSplitter joins lines split across chunks and keeps a last unterminated one", async () => {
  const chunks = ["first li", "ne\nsecond\n", "\nthird", " and last"];
  const lines = await Array.fromAsync(ReadableStream.from(chunks).pipeThrough(lineSplitter()));
  assert.deepEqual(lines, ["first line", "second", "", "third and last"]);
});
