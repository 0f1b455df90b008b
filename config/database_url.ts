/**
 * @module DATABASE_URL: a PostgreSQL connection URL, checked at start-up, and its masked form
 * for log lines (the password never leaves the process).
 */

import { ConfigError } from "./types.ts";

/** The `sslmode` values the client library honours. */
export const SSL_MODES = ["disable", "prefer", "require", "verify-full"] as const;

/** A checked DATABASE_URL. */
export interface DatabaseUrl {
  /** The URL as given (with its password, if any): only for the client library. */
  readonly url: string;
  /** The URL with any password replaced by `***`, for log lines. */
  readonly masked: string;
  /** True when the URL carries a password (it then wins over the other sources). */
  readonly hasPassword: boolean;
  readonly database: string;
}

/** The URL with its password (if any) replaced by `***`. */
export function maskedUrl(url: URL): string {
  if (url.password === "") return url.href;
  const copy = new URL(url.href);
  copy.password = "***";
  return copy.href;
}

/**
 * Parses `postgres://user[:password]@host[:port]/database[?sslmode=…]` (or `postgresql://`).
 * The messages never repeat the value: it may hold a password.
 */
export function databaseUrl(raw: string, name: string): DatabaseUrl {
  const shape = "postgres://user@host:port/database";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL like ${shape}`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(`${name} must start with postgres:// (like ${shape})`);
  }
  if (url.hostname === "") throw new ConfigError(`${name} has no host (like ${shape})`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) {
    throw new ConfigError(`${name} must name one database after the host (like ${shape})`);
  }
  if (url.username === "") throw new ConfigError(`${name} has no user (like ${shape})`);
  for (const [key, value] of url.searchParams) {
    if (key !== "sslmode") {
      throw new ConfigError(`${name}: unknown parameter "${key}" (only sslmode is read)`);
    }
    if (!(SSL_MODES as readonly string[]).includes(value)) {
      throw new ConfigError(`${name}: sslmode must be one of ${SSL_MODES.join(", ")}`);
    }
  }
  return Object.freeze({
    url: raw,
    masked: maskedUrl(url),
    hasPassword: url.password !== "",
    database,
  });
}
