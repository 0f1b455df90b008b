/** @module Tests for stdout lines: access lines gathered, every other line at once, order kept. */

import assert from "node:assert/strict";
import { StdoutLines } from "../../telemetry/stdout_lines.ts";
import { poll } from "../../testing/poll.ts";

Deno.test("Gathered lines are written together within a few milliseconds, in order", async () => {
  const writes: string[] = [];
  const lines = new StdoutLines((text) => writes.push(text));
  lines.later("a\n");
  lines.later("b\n");
  assert.deepEqual(writes, [], "nothing written yet");
  await poll(() => writes.length > 0, { what: "the gathered lines", timeoutMs: 1000 });
  assert.deepEqual(writes, ["a\nb\n"], "one write for both");
});

Deno.test("A line written now goes after every line gathered before it", () => {
  const writes: string[] = [];
  const lines = new StdoutLines((text) => writes.push(text));
  lines.later("access 1\n");
  lines.now("Stopping\n");
  lines.later("access 2\n");
  lines.flush();
  assert.deepEqual(writes, ["access 1\n", "Stopping\n", "access 2\n"]);
});

Deno.test("Gathered text past 32 KB is written at once, without waiting for the timer", () => {
  const writes: string[] = [];
  const lines = new StdoutLines((text) => writes.push(text));
  const line = "x".repeat(1023) + "\n";
  for (let i = 0; i < 32; i++) lines.later(line);
  assert.equal(writes.length, 1);
  assert.equal(writes[0]!.length, 32 * 1024);
  lines.flush();
  assert.equal(writes.length, 1, "nothing was left");
});
