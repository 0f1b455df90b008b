/** @module Tests for the log_api schema helpers: cutting values to their column sizes. */

import assert from "node:assert/strict";
import { truncate } from "../../db/log_api_schema.ts";

Deno.test({
  name: "truncate counts code points and keeps short values and null as they are",
  fn() {
    assert.equal(truncate(null, 3), null);
    assert.equal(truncate("", 3), "");
    assert.equal(truncate("abc", 3), "abc");
    assert.equal(truncate("abcd", 3), "abc");
    assert.equal(truncate("😀😀😀", 2), "😀😀");
    assert.equal(truncate("😀😀", 2), "😀😀"); // 4 UTF-16 units, 2 code points: unchanged
    assert.equal(truncate("x😀y", 2), "x😀");
    assert.equal(truncate("abc", 0), "");
  },
});
