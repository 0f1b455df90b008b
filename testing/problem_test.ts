/** @module Tests for problemOf: a problem body parsed, anything else refused with its text. */

import assert from "node:assert/strict";
import { problemOf } from "./problem.ts";

Deno.test("problemOf parses an application/problem+json body", async () => {
  const response = new Response(JSON.stringify({ status: 404, code: "not_found" }), {
    headers: { "content-type": "application/problem+json; charset=utf-8" },
  });
  assert.deepEqual(await problemOf(response), { status: 404, code: "not_found" });
});

Deno.test("problemOf refuses another content type, quoting it and the body", async () => {
  const response = new Response("plain", { headers: { "content-type": "text/plain" } });
  await assert.rejects(problemOf(response), {
    message: 'Expected application/problem+json, got "text/plain": plain',
  });
});
