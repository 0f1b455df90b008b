/** @module Tests for poll: what it resolves with, when it retries, and how it gives up. */

import assert from "node:assert/strict";
import { poll } from "./poll.ts";

Deno.test("poll resolves with the first answer that is neither undefined nor false", async () => {
  const answers = [undefined, false, "ready", "later"];
  let calls = 0;
  const value = await poll(() => answers[calls++], { what: "an answer", intervalMs: 1 });
  assert.equal(value, "ready");
  assert.equal(calls, 3);
});

Deno.test("poll resolves true once a boolean check holds, awaiting async checks", async () => {
  let calls = 0;
  assert.equal(
    await poll(() => Promise.resolve(++calls === 2), { what: "two", intervalMs: 1 }),
    true,
  );
  assert.equal(calls, 2);
});

Deno.test("A check that throws is retried, and its last error is named on timeout", async () => {
  let calls = 0;
  await assert.rejects(
    poll(() => {
      throw new Error(`not yet ${++calls}`);
    }, { what: "the server", timeoutMs: 30, intervalMs: 5 }),
    (error: Error) => {
      assert.match(
        error.message,
        /^Timed out after 30 ms waiting for the server; last error: not yet \d+$/,
      );
      assert.ok(error.message.endsWith(`not yet ${calls}`), "the last error, not the first");
      return true;
    },
  );
  assert.ok(calls > 1, "retried");
});

Deno.test("poll gives up after timeoutMs, naming what it waited for and the detail", async () => {
  const started = performance.now();
  await assert.rejects(
    poll(() => undefined, {
      what: "a span",
      timeoutMs: 40,
      intervalMs: 5,
      detail: () => "0 requests",
    }),
    { message: "Timed out after 40 ms waiting for a span: 0 requests" },
  );
  assert.ok(performance.now() - started >= 40);
});

Deno.test("A fatal error is rethrown at once, without waiting for the timeout", async () => {
  let calls = 0;
  const refused = new Error("bad query");
  await assert.rejects(
    poll(() => {
      calls++;
      throw refused;
    }, { what: "data", timeoutMs: 10_000, fatal: (error) => error === refused }),
    refused,
  );
  assert.equal(calls, 1);
});

Deno.test("The timeout names the latest error even when later checks answered undefined", async () => {
  let calls = 0;
  await assert.rejects(
    poll(() => {
      if (++calls === 1) throw new Error("connection refused");
      return undefined;
    }, { what: "the port", timeoutMs: 30, intervalMs: 5 }),
    { message: "Timed out after 30 ms waiting for the port; last error: connection refused" },
  );
  assert.ok(calls > 1);
});
