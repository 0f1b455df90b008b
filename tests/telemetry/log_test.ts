/** @module Tests for the logger: JSON and text log lines. */

import assert from "node:assert/strict";
import { createLogger, type LoggerOptions, moduleScope } from "../../telemetry/log.ts";

const NOW = () => new Date("2026-11-23T10:00:00.123Z");
/** The `import.meta.url` routes/board.ts has when it logs. */
const BOARD_MODULE = new URL("../../routes/board.ts", import.meta.url).href;

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
  logger.scoped(BOARD_MODULE).info("Listening", { port: 5000, level: "spoofed" });
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
  logger.scoped(BOARD_MODULE).warn("Slow query", { ms: 12 });
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

Deno.test("A module's scope is its path from the project root, from source and in a compiled binary", () => {
  assert.equal(moduleScope(import.meta.url), "tests/telemetry/log_test.ts");
  assert.equal(moduleScope(BOARD_MODULE), "routes/board.ts");
  const linuxBinary = "file:///tmp/deno-compile-otel-board/work/otel-board/";
  assert.equal(moduleScope(`${linuxBinary}routes/board.ts`, linuxBinary), "routes/board.ts");
  const windowsBinary = "file:///C:/Users/svc/AppData/Local/Temp/deno-compile-otel-board.exe/";
  assert.equal(
    moduleScope(`${windowsBinary}services/audit.ts`, windowsBinary),
    "services/audit.ts",
  );
  const spaced = "file:///home/a%20b/otel%20board/";
  assert.equal(moduleScope(`${spaced}http/my%20file.ts`, spaced), "http/my file.ts");
});

Deno.test("A module outside the project root keeps its whole URL as its scope", () => {
  const root = "file:///srv/otel-board/";
  assert.equal(moduleScope("file:///srv/other/x.ts", root), "file:///srv/other/x.ts");
  assert.equal(moduleScope("https://example.com/mod.ts", root), "https://example.com/mod.ts");
});

Deno.test("Access records go where LOG_ACCESS says: the line, the OTLP sink, both or neither", () => {
  const cases = [
    { access: "both", line: true, record: true },
    { access: "stdout", line: true, record: false },
    { access: "otlp", line: false, record: true },
    { access: "off", line: false, record: false },
  ] as const;
  for (const { access, line, record } of cases) {
    const records: string[] = [];
    const { logger, lines } = capture({ access, sink: (r) => records.push(r.msg) });
    assert.equal(logger.accessEnabled("info"), line || record, access);
    logger.access("info", "GET /board/1 200", { "http.response.status_code": 200 });
    logger.info("Listening");
    const messages = lines.map((l) => JSON.parse(l).msg);
    assert.deepEqual(messages, line ? ["GET /board/1 200", "Listening"] : ["Listening"], access);
    assert.deepEqual(records, record ? ["GET /board/1 200", "Listening"] : ["Listening"], access);
  }
});

Deno.test("Access records obey LOG_LEVEL: at warn only the 4xx and 5xx ones are written", () => {
  const records: string[] = [];
  const { logger, lines } = capture({ level: "warn", sink: (r) => records.push(r.msg) });
  assert.equal(logger.accessEnabled("info"), false);
  assert.equal(logger.accessEnabled("warn"), true);
  logger.access("info", "GET /board/1 200", {});
  logger.access("warn", "GET /nope 404", {});
  assert.deepEqual(lines.map((l) => JSON.parse(l).level), ["warn"]);
  assert.deepEqual(records, ["GET /nope 404"]);
});

Deno.test("With LOG_ACCESS=otlp but no OTLP log exporter, access records go nowhere", () => {
  const { logger, lines } = capture({ access: "otlp" });
  assert.equal(logger.accessEnabled("error"), false);
  logger.access("error", "GET /board/1 500", {});
  assert.deepEqual(lines, []);
});
