/** @module Loggers that keep what they write in memory, as lines or parsed records. */

import { createLogger, type Logger, type LoggerOptions } from "../telemetry/log.ts";

/** A debug-level JSON logger that hands every line it writes to `write`. */
function testLogger(
  write: (line: string) => void,
  options: Pick<LoggerOptions, "access"> = {},
): Logger {
  return createLogger({ level: "debug", format: "json", serviceName: "test", write, ...options });
}

/** A logger that keeps its lines in memory; `access` is where access records go (LOG_ACCESS). */
export function memoryLogger(
  options: Pick<LoggerOptions, "access"> = {},
): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: testLogger((line) => lines.push(line), options), lines };
}

/** One log line as parsed from the JSON format. */
export interface LogRecord {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A logger that keeps every line it writes, parsed, in `records`. */
export function capturingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { logger: testLogger((line) => records.push(JSON.parse(line) as LogRecord)), records };
}
