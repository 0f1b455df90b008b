/** @module The logger's levels and output formats, shared by the logger and the LOG_* settings. */

/** Log levels, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Output formats: one JSON object per line, or one human-readable line. */
export const LOG_FORMATS = ["json", "text"] as const;
/** An output format. */
export type LogFormat = typeof LOG_FORMATS[number];
