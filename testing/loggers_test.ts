/** @module Tests for the in-memory loggers: every level kept, as JSON lines or parsed records. */

import assert from "node:assert/strict";
import { capturingLogger, memoryLogger } from "./loggers.ts";

Deno.test("memoryLogger keeps every line it writes, debug included, as JSON text", () => {
  const { logger, lines } = memoryLogger();
  logger.debug("Quiet detail");
  logger.warn("Loud problem", { attempt: 2 });
  assert.equal(lines.length, 2);
  const [first, second] = lines.map((line) => JSON.parse(line));
  assert.equal(first.msg, "Quiet detail");
  assert.equal(second.level, "warn");
  assert.equal(second.attempt, 2);
});

Deno.test("capturingLogger keeps every line parsed, in order", () => {
  const { logger, records } = capturingLogger();
  logger.info("One");
  logger.error("Two");
  assert.deepEqual(records.map((r) => [r.level, r.msg]), [["info", "One"], ["error", "Two"]]);
});
