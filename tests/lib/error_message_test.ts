/** @module Tests for the message of a thrown value. */

import assert from "node:assert/strict";
import { errorMessage } from "../../lib/error_message.ts";

Deno.test("errorMessage gives an Error's message and any other thrown value as text", () => {
  assert.equal(errorMessage(new RangeError("out of range")), "out of range");
  assert.equal(errorMessage("plain text"), "plain text");
  assert.equal(errorMessage(42), "42");
  assert.equal(errorMessage(undefined), "undefined");
  assert.equal(errorMessage({ message: "not an Error" }), "[object Object]");
});
