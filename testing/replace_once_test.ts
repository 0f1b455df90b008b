/** @module Tests for replaceOnce: one occurrence replaced, none or several refused. */

import assert from "node:assert/strict";
import { replaceOnce } from "./replace_once.ts";

Deno.test("replaceOnce replaces the one occurrence, taking `to` literally ($& stays)", () => {
  assert.equal(
    replaceOnce("listen 80;\nuser x;", "listen 80;", "listen $&;"),
    "listen $&;\nuser x;",
  );
});

Deno.test("replaceOnce refuses text without the occurrence, or with several, naming where", () => {
  assert.throws(() => replaceOnce("a", "b", "c", "linux.conf"), {
    message: 'Cannot substitute "b" in linux.conf: found 0 times, expected 1',
  });
  assert.throws(() => replaceOnce("b b", "b", "c"), {
    message: 'Cannot substitute "b" in the text: found 2 times, expected 1',
  });
});
