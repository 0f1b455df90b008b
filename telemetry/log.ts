/** @module The service's one logger: JSON lines (or human lines) on stdout, with the active trace. */

import { isSpanContextValid, trace } from "@opentelemetry/api";
import {
  type AccessLogOutput,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
} from "../lib/log_levels.ts";
import { processStdoutLines } from "./stdout_lines.ts";

/** Attributes attached to one log record; `Error` values are written with message and stack. */
export type LogAttributes = Readonly<Record<string, unknown>>;

/** Writes records at or above its level; its scope names the module that logs. */
export interface Logger {
  debug(msg: string, attributes?: LogAttributes): void;
  info(msg: string, attributes?: LogAttributes): void;
  warn(msg: string, attributes?: LogAttributes): void;
  error(msg: string, attributes?: LogAttributes): void;
  /** Whether records at `level` are written, to skip building attributes nobody reads. */
  enabled(level: LogLevel): boolean;
  /**
   * Writes a request's access record at `level` to the outputs LOG_ACCESS names (the stdout
   * line, the OTLP record, both or neither), filtered by the level like any record.
   */
  access(level: LogLevel, msg: string, attributes: LogAttributes): void;
  /** Whether an access record at `level` goes anywhere, to skip building it otherwise. */
  accessEnabled(level: LogLevel): boolean;
  /**
   * A logger that writes the same way, naming the module at `moduleUrl`: pass the logging
   * module's own `import.meta.url` (see `moduleScope`).
   */
  scoped(moduleUrl: string): Logger;
}

/** One record as the logger hands it to a sink (OTLP export). */
export interface LogRecordOut {
  readonly time: Date;
  readonly level: LogLevel;
  readonly msg: string;
  readonly scope: string;
  readonly attributes: LogAttributes;
}

/** Receives every record the logger writes, in the context it was logged in. */
export type LogSink = (record: LogRecordOut) => void;

/** How a logger is built. */
export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  readonly serviceName: string;
  /** Where finished lines go (default: stdout). */
  readonly write?: (line: string) => void;
  /** Clock, injectable for tests. */
  readonly now?: () => Date;
  /** Also hands each record to this sink (the OTLP log exporter). */
  readonly sink?: LogSink;
  /** Where access records go (LOG_ACCESS; default `both`). */
  readonly access?: AccessLogOutput;
}

const RESERVED = new Set(["time", "level", "msg", "scope", "trace_id", "span_id"]);

/** Builds the logger that every part of the service writes through. */
export function createLogger(options: LoggerOptions, scope = "main.ts"): Logger {
  // Injected writers (tests) get every line at once; stdout gathers the access lines.
  const stdout = options.write === undefined ? processStdoutLines() : undefined;
  const write = options.write ?? ((line: string) => stdout!.now(line));
  const writeAccess = options.write ?? ((line: string) => stdout!.later(line));
  const now = options.now ?? (() => new Date());
  const minimum = LOG_LEVELS.indexOf(options.level);
  const access = options.access ?? "both";
  const accessToStdout = access === "stdout" || access === "both";
  const accessToSink = access === "otlp" || access === "both" ? options.sink : undefined;
  const emit = (
    level: LogLevel,
    msg: string,
    attributes: LogAttributes,
    toStdout: boolean,
    sink: LogSink | undefined,
    out: (line: string) => void = write,
  ): void => {
    if (LOG_LEVELS.indexOf(level) < minimum) return;
    const date = now();
    if (toStdout) {
      const time = date.toISOString();
      const ids = activeIds();
      const line = options.format === "json"
        ? jsonLine(time, level, scope, msg, ids, attributes)
        : textLine(time, level, options.serviceName, scope, msg, ids, attributes);
      out(line + "\n");
    }
    sink?.({ time: date, level, msg, scope, attributes });
  };
  const log = (level: LogLevel) => (msg: string, attributes: LogAttributes = {}) =>
    emit(level, msg, attributes, true, options.sink);
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    enabled: (level) => LOG_LEVELS.indexOf(level) >= minimum,
    access: (level, msg, attributes) =>
      emit(level, msg, attributes, accessToStdout, accessToSink, writeAccess),
    accessEnabled: (level) =>
      (accessToStdout || accessToSink !== undefined) && LOG_LEVELS.indexOf(level) >= minimum,
    scoped: (moduleUrl) => createLogger(options, moduleScope(moduleUrl)),
  };
}

/**
 * The project root as a URL: the folder above telemetry/. In a compiled binary every module
 * lives in the same embedded tree, so its URL has the same prefix as this one's.
 */
const PROJECT_ROOT = new URL("../", import.meta.url).href;

/**
 * The scope of the module at `moduleUrl` (its `import.meta.url`): its path relative to the
 * project root, `routes/board.ts`, whether run from source or from a compiled binary (where
 * the URL points into the embedded tree). A URL outside the root is kept whole.
 * @param rootUrl the project root's URL (default: the folder above telemetry/).
 */
export function moduleScope(moduleUrl: string, rootUrl: string = PROJECT_ROOT): string {
  if (!moduleUrl.startsWith(rootUrl)) return moduleUrl;
  return decodeURIComponent(moduleUrl.slice(rootUrl.length));
}

interface TraceIds {
  readonly traceId: string;
  readonly spanId: string;
}

/** The active span's ids, so a line can be found from its trace and vice versa. */
function activeIds(): TraceIds | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

function jsonLine(
  time: string,
  level: LogLevel,
  scope: string,
  msg: string,
  ids: TraceIds | undefined,
  attributes: LogAttributes,
): string {
  const record: Record<string, unknown> = {
    time,
    level,
    msg,
    scope,
    trace_id: ids?.traceId ?? null,
    span_id: ids?.spanId ?? null,
  };
  for (const [key, value] of Object.entries(attributes)) {
    if (!RESERVED.has(key)) record[key] = plain(value);
  }
  return JSON.stringify(record);
}

function textLine(
  time: string,
  level: LogLevel,
  service: string,
  scope: string,
  msg: string,
  ids: TraceIds | undefined,
  attributes: LogAttributes,
): string {
  const extras = Object.entries(attributes)
    .map(([key, value]) => `${key}=${JSON.stringify(plain(value))}`)
    .join(" ");
  const trace = `trace_id=${ids?.traceId ?? "0"} span_id=${ids?.spanId ?? "0"}`;
  const head = `${time} ${level.toUpperCase()} [${service}] [${scope}] [${trace}] - ${msg}`;
  return extras === "" ? head : `${head} ${extras}`;
}

function plain(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return typeof value === "bigint" ? value.toString() : value;
}
