/** @module Query-string parsing: known parameters with a bad or repeated value are 400s; unknown ones are ignored. */

import { clip } from "../lib/clip.ts";
import { ApiError } from "./problem.ts";

/**
 * Reads the query string's `known` parameters, each at most once. Unknown ones are ignored,
 * as the original app ignored them (cache-busters, `utm_*` links and uptime monitors add their
 * own); the call log still records the whole query string.
 * @throws {ApiError} `invalid_parameter` naming a known parameter given more than once.
 */
export function readQuery(url: URL, known: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    if (!known.includes(name)) continue;
    if (values.has(name)) {
      throw new ApiError("invalid_parameter", `Query parameter "${name}" is given more than once`);
    }
    values.set(name, value);
  }
  return values;
}

/**
 * Parses a whole number within `min..max`; `what` names it in the error.
 * @throws {ApiError} `invalid_parameter` with a sentence saying what was expected.
 */
export function parseWholeNumber(raw: string, what: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(raw)) {
    const shown = `"${clip(raw)}"`;
    const reason = raw === ""
      ? "it is empty"
      : /^[+-]?[0-9]*\.[0-9]+$/.test(raw)
      ? `${shown} is not a whole number`
      : /^-[0-9]+$/.test(raw)
      ? `${shown} is negative`
      : `${shown} is not a number`;
    throw new ApiError(
      "invalid_parameter",
      `Cannot parse ${what}: ${reason}; expected a whole number from ${min} to ${max}`,
    );
  }
  const value = raw.length > 16 ? Infinity : Number(raw);
  if (value < min || value > max) {
    throw new ApiError(
      "invalid_parameter",
      `Cannot use ${what} ${clip(raw)}: expected a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2})))?$/i;

/**
 * Parses an ISO-8601 date (`2026-11-23`, midnight UTC) or date-time with a zone
 * (`2026-11-23T10:00:00Z`, `…+09:00`) into the stored UTC form `YYYY-MM-DDTHH:mm:ss.sssZ`.
 * @throws {ApiError} `invalid_parameter` saying what shape was expected.
 */
export function parseTimestamp(raw: string, what: string): string {
  const m = TIMESTAMP.exec(raw);
  const fail = (reason: string) =>
    new ApiError(
      "invalid_parameter",
      `Cannot parse ${what}: "${clip(raw)}" ${reason}; expected an ISO-8601 time such as ` +
        `2026-11-23T10:00:00Z or 2026-11-23`,
    );
  if (m === null) {
    throw fail(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(raw) ? "has no time zone" : "is not a time");
  }
  const [, year, month, day, hour = "0", minute = "0", second = "0", , , zh = "0", zm = "0"] = m;
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  const inRange = Number(month) >= 1 && Number(month) <= 12 && Number(day) >= 1 &&
    Number(day) <= daysInMonth && Number(hour) <= 23 && Number(minute) <= 59 &&
    Number(second) <= 59 && Number(zh) <= 23 && Number(zm) <= 59;
  const time = inRange ? Date.parse(m[4] === undefined ? `${raw}T00:00:00Z` : raw) : NaN;
  if (Number.isNaN(time)) throw fail("is not a valid date and time");
  return new Date(time).toISOString();
}
