/** @module Loggers that keep what they write in memory, as lines or parsed records. */

import { createLogger, type Logger } from "../telemetry/log.ts";

/** A debug-level JSON logger that hands every line it writes to `write`. */
function testLogger(write: (line: string) => void): Logger {
  return createLogger({ level: "debug", format: "json", serviceName: "test", write });
}

/** A logger that keeps its lines in memory. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: testLogger((line) => lines.push(line)), lines };
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
