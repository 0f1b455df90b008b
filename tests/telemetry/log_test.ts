/** @module Tests for the logger: JSON and text log lines. */

import assert from "node:assert/strict";
import { createLogger, type LoggerOptions } from "../../telemetry/log.ts";

const NOW = () => new Date("2026-11-23T10:00:00.123Z");

function capture(options: Partial<LoggerOptions> = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    format: "json",
    serviceName: "otel-board",
    now: NOW,
    write: (line) => lines.push(line),
    ...options,
  });
  return { logger, lines };
}

Deno.test("JSON log lines carry time, level, msg, scope, trace ids and the attributes", () => {
  const { logger, lines } = capture();
  logger.scoped("routes/board.ts").info("Listening", { port: 5000, level: "spoofed" });
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.endsWith("\n"));
  assert.deepEqual(JSON.parse(lines[0]!), {
    time: "2026-11-23T10:00:00.123Z",
    level: "info",
    msg: "Listening",
    scope: "routes/board.ts",
    trace_id: null,
    span_id: null,
    port: 5000,
  });
});

Deno.test("LOG_FORMAT=text writes the original app's human line", () => {
  const { logger, lines } = capture({ format: "text" });
  logger.scoped("routes/board.ts").warn("Slow query", { ms: 12 });
  assert.equal(
    lines[0],
    "2026-11-23T10:00:00.123Z WARN [otel-board] [routes/board.ts] [trace_id=0 span_id=0] - Slow query ms=12\n",
  );
});

Deno.test("Records below LOG_LEVEL are dropped", () => {
  const { logger, lines } = capture({ level: "warn" });
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
  assert.deepEqual(lines.map((l) => JSON.parse(l).level), ["warn", "error"]);
});

Deno.test("Errors are logged with their message and stack", () => {
  const { logger, lines } = capture();
  logger.error("Request failed", { error: new TypeError("boom") });
  const record = JSON.parse(lines[0]!);
  assert.equal(record.error.name, "TypeError");
  assert.equal(record.error.message, "boom");
  assert.match(record.error.stack, /log_test\.ts/);
});
