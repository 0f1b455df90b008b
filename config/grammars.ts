/** @module The value grammars every setting is parsed with: numbers, booleans, choices, lists, durations, rates, addresses. */

import { errorMessage } from "../lib/error_message.ts";
import { resolve } from "node:path";
import { type CidrBlock, parseCidrList } from "../lib/ip_address.ts";
import { clip } from "../lib/clip.ts";
import { ConfigError, type Grammar } from "./types.ts";

/** At most `limit` requests per `windowMs` milliseconds. */
export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_REQUESTS = 1_000_000;
/** Long enough for any sensible limit, short enough that `limit * windowMs` stays exact. */
const MAX_WINDOW_MS = 7 * UNIT_MS.d;
const RATE = /^([0-9]+)\/([0-9]+)([smhd])$/;

/**
 * A whole number written in digits only (no sign, exponent, fraction or spaces), in range.
 * @param unit named in the message ("a whole number of milliseconds"); else "an integer".
 */
export function integer(min: number, max: number, unit?: string): Grammar<number> {
  return (raw, name) => {
    const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      const what = unit === undefined ? "an integer" : `a whole number of ${unit}`;
      throw new ConfigError(`${name} must be ${what} from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
}

/** `true`, `false`, `1` or `0`, trimmed and in any case. */
export function boolean(raw: string, name: string): boolean {
  const text = raw.trim().toLowerCase();
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** One of `choices`, trimmed and in any case; a name in `unsupported` gets its own message. */
export function choice<T extends string>(
  choices: readonly T[],
  unsupported: readonly string[] = [],
): Grammar<T> {
  return (raw, name) => {
    const text = raw.trim().toLowerCase();
    const found = choices.find((c) => c === text);
    if (found !== undefined) return found;
    const why = unsupported.includes(text) ? `: ${text} is not supported here` : "";
    throw new ConfigError(`${name} must be one of ${choices.join(", ")}, got "${raw}"${why}`);
  };
}

/** Comma-separated entries, trimmed, empty ones dropped. */
function splitList(raw: string): string[] {
  return raw.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
}

/**
 * A comma-separated list of names from `choices` (in any case, duplicates dropped), or "none"
 * alone for an empty list. Names in `unsupported` are standard but not offered here; names in
 * `onlyFor` are standard for another signal, which the message names.
 */
export function nameList<T extends string>(options: {
  readonly choices: readonly T[];
  readonly unsupported: readonly string[];
  readonly onlyFor?: ReadonlyMap<string, string>;
}): Grammar<readonly T[]> {
  return (raw, name) => {
    const expected = `${name} must be a comma-separated list of ${options.choices.join(", ")} ` +
      `(or none alone), got "${raw}"`;
    const entries = splitList(raw).map((entry) => entry.toLowerCase());
    if (entries.length === 0) throw new ConfigError(expected);
    if (entries.includes("none")) {
      if (entries.every((entry) => entry === "none")) return [];
      throw new ConfigError(`${expected}: none must be alone`);
    }
    const result: T[] = [];
    for (const entry of entries) {
      const found = options.choices.find((c) => c === entry);
      if (found === undefined) {
        const signal = options.onlyFor?.get(entry);
        const why = signal !== undefined
          ? `is only for ${signal}`
          : options.unsupported.includes(entry)
          ? "is not supported here"
          : "is unknown";
        throw new ConfigError(`${expected}: ${entry} ${why}`);
      }
      if (!result.includes(found)) result.push(found);
    }
    return result;
  };
}

/** A comma-separated list of free-form options, lower-cased; callers ignore unknown ones. */
export function optionList(raw: string): ReadonlySet<string> {
  return new Set(splitList(raw).map((entry) => entry.toLowerCase()));
}

/** A number from 0 to 1 in plain decimal notation ("0.25", ".5", "1"). */
export function ratio(raw: string, name: string): number {
  const value = /^(?:\d+(?:\.\d+)?|\.\d+)$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new ConfigError(`${name} must be a number from 0 to 1, got "${raw}"`);
  }
  return value;
}

/** Any text, kept as written (checked later, where it is used). */
export function verbatim(raw: string): string {
  return raw;
}

/**
 * Parses a duration setting: a whole number followed by `d`, `h`, `m` or `s` ("7d", "12h",
 * "30m", "3600s"), or a plain whole number of seconds ("3600"). Surrounding whitespace is
 * ignored. The result is not capped, so check it before handing it to a timer.
 *
 * @returns The duration in milliseconds, always positive.
 * @throws {Error} for anything else, zero included.
 */
export function parseDuration(text: string): number {
  const match = /^(\d+)([dhms]?)$/.exec(text.trim());
  if (match === null) {
    throw new Error(
      `Cannot parse duration "${text}": expected a number of seconds or a value such as 7d, 12h, 30m`,
    );
  }
  const unit = (match[2] || "s") as keyof typeof UNIT_MS;
  const ms = Number(match[1]) * UNIT_MS[unit];
  if (ms === 0) {
    throw new Error(`Cannot parse duration "${text}": it must be greater than zero`);
  }
  if (!Number.isSafeInteger(ms)) {
    throw new Error(`Cannot parse duration "${text}": it is too large`);
  }
  return ms;
}

/** A duration (see {@linkcode parseDuration}) in milliseconds, at most `max` (e.g. `400d`). */
export function duration(max: { readonly text: string; readonly why: string }): Grammar<number> {
  const maxMs = parseDuration(max.text);
  return (raw, name) => {
    const ms = prefixed(name, () => parseDuration(raw));
    if (ms > maxMs) {
      throw new ConfigError(`${name} must be at most ${max.text} (${max.why}), got "${raw}"`);
    }
    return ms;
  };
}

/**
 * Parses a rate limit `<requests>/<count><unit>` such as `10/1m`, `5/30s`, `100/1h` or
 * `1000/1d` (1 to 1,000,000 requests; a window from 1 s to 7 d).
 * @throws {Error} naming the value and what was expected.
 */
export function parseRateLimit(text: string): RateLimit {
  const shown = `"${clip(text)}"`;
  const m = RATE.exec(text.trim());
  if (m === null) {
    throw new Error(
      `Cannot parse rate limit ${shown}: expected <requests>/<window> such as 10/1m`,
    );
  }
  const [, requests = "", count = "", unit = "s"] = m;
  const limit = requests.length > 7 ? Infinity : Number(requests);
  if (limit < 1 || limit > MAX_REQUESTS) {
    throw new Error(
      `Cannot parse rate limit ${shown}: expected 1 to ${MAX_REQUESTS} requests per window`,
    );
  }
  const windowMs = count.length > 7
    ? Infinity
    : Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (windowMs < 1_000 || windowMs > MAX_WINDOW_MS) {
    throw new Error(`Cannot parse rate limit ${shown}: expected a window from 1s to 7d`);
  }
  return Object.freeze({ limit, windowMs });
}

/** A rate limit (see {@linkcode parseRateLimit}), or `off` (trimmed, any case): null, no limit. */
export function rate(raw: string, name: string): RateLimit | null {
  if (raw.trim().toLowerCase() === "off") return null;
  return prefixed(name, () => parseRateLimit(raw));
}

/** A host name or IP address to listen on; an IPv6 address may be bracketed. */
export function host(raw: string, name: string): string {
  if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(raw) && !/^\[[0-9A-Fa-f:.]+\]$/.test(raw)) {
    throw new ConfigError(`${name} must be a host name or IP address, got "${raw}"`);
  }
  return raw.startsWith("[") ? raw.slice(1, -1) : raw;
}

/** Comma-separated CIDR blocks (a bare address is one host), or `none` for an empty list. */
export function cidrList(raw: string, name: string): readonly CidrBlock[] {
  if (raw.trim().toLowerCase() === "none") return Object.freeze([]);
  return Object.freeze(prefixed(name, () => parseCidrList(raw)));
}

/** Comma-separated web origins such as `https://app.example` (scheme, host, port only). */
export function originList(raw: string, name: string): readonly string[] {
  const origins = splitList(raw);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      throw new ConfigError(
        `${name} must list origins such as https://app.example, got "${origin}"`,
      );
    }
  }
  return Object.freeze(origins);
}

/** An http: or https: URL, trimmed; anything else is an error. */
export function httpUrl(raw: string, name: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw.trim());
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ConfigError(
      `${name} must be an http: or https: URL such as http://localhost:4318, got "${raw}"`,
    );
  }
  return raw.trim();
}

/** An IANA time zone name the runtime knows, such as `Asia/Seoul` or `UTC`. */
export function timeZone(raw: string, name: string): string {
  try {
    return new Intl.DateTimeFormat("en", { timeZone: raw.trim() }).resolvedOptions().timeZone;
  } catch {
    throw new ConfigError(`${name} must be an IANA time zone such as Asia/Seoul, got "${raw}"`);
  }
}

/** An http: or https: URL holding `{trace_id}`, where a trace id goes. */
export function traceUrlTemplate(raw: string, name: string): string {
  const url = httpUrl(raw, name);
  if (!url.includes("{trace_id}")) {
    throw new ConfigError(`${name} must contain {trace_id}, got "${raw}"`);
  }
  return url;
}

/**
 * A secret key of at least `minBytes` bytes, written in hex (only hex digits, an even number)
 * or else in base64 (standard or URL-safe, padding optional). The message never shows the value.
 */
export function secretKey(minBytes: number): Grammar<Uint8Array> {
  return (raw, name) => {
    const text = raw.trim();
    let bytes: Uint8Array | undefined;
    if (/^(?:[0-9a-fA-F]{2})+$/.test(text)) {
      bytes = Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16));
    } else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
      const standard = text.replaceAll("-", "+").replaceAll("_", "/").replace(/=+$/, "");
      try {
        bytes = Uint8Array.from(atob(standard), (char) => char.charCodeAt(0));
      } catch {
        bytes = undefined;
      }
    }
    if (bytes === undefined) {
      throw new ConfigError(`${name} must be written in hex or base64 (its value is not shown)`);
    }
    if (bytes.byteLength < minBytes) {
      throw new ConfigError(
        `${name} must hold at least ${minBytes} bytes, got ${bytes.byteLength} ` +
          "(make one with: openssl rand -base64 32)",
      );
    }
    return bytes;
  };
}

/** A file path as given: not only spaces, no NUL (existence is checked where it is opened). */
export function filePath(what: string): Grammar<string> {
  return (raw, name) => {
    if (raw.trim() === "" || raw.includes("\0")) {
      throw new ConfigError(`${name} must be the path of ${what}, got "${raw}"`);
    }
    return raw;
  };
}

/** A SQLite database path, made absolute; `:memory:` is kept as it is. */
export function databasePath(raw: string, name: string): string {
  if (raw === ":memory:") return raw;
  if (raw === "") throw new ConfigError(`${name} must be a file path, got an empty value`);
  if (raw.includes("\0")) {
    throw new ConfigError(`${name} must be a file path, got a value with a NUL character`);
  }
  return resolve(raw);
}

/** Text that `check` accepts; its sentence (e.g. the username rule) follows the setting's name. */
export function checkedBy(check: (text: string) => string | undefined): Grammar<string> {
  return (raw, name) => {
    const problem = check(raw);
    if (problem !== undefined) throw new ConfigError(`${name}: ${problem}`);
    return raw;
  };
}

/** Runs `parse`, turning its plain Error into a ConfigError prefixed with the setting's name. */
function prefixed<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${name}: ${errorMessage(error)}`);
  }
}
