/** @module The logger's levels, output formats and access-record outputs, shared by the logger and the LOG_* settings. */

/** Log levels, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Output formats: one JSON object per line, or one human-readable line. */
export const LOG_FORMATS = ["json", "text"] as const;
/** An output format. */
export type LogFormat = typeof LOG_FORMATS[number];

/**
 * Where the access record of each request goes (LOG_ACCESS): nowhere, the OTLP log exporter
 * only, the stdout line only, or both.
 */
export const ACCESS_LOG_OUTPUTS = ["off", "otlp", "stdout", "both"] as const;
/** An access-record destination. */
export type AccessLogOutput = typeof ACCESS_LOG_OUTPUTS[number];
