/** @module Environment variables and command-line flags, parsed once into one frozen, validated Config. */

import { posix, resolve, win32 } from "node:path";
import denoJson from "../deno.json" with { type: "json" };
import { type CidrBlock, parseCidrList } from "../lib/ip_address.ts";
import { parseRateLimit, type RateLimit } from "../http/rate_limit.ts";
import { validatePassword, validateUsername } from "../lib/account_rules.ts";
import { parseDuration } from "../services/session_tokens.ts";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "../lib/log_levels.ts";
import {
  OtelConfigError,
  parseTelemetryEnv,
  TELEMETRY_SETTINGS,
  type TelemetryConfig,
} from "./otel_settings.ts";

/** The service's name, as it appears in logs and `--version`. */
export const SERVICE_NAME = "otel-board";

/** The service's version, taken from deno.json so there is one source of truth. */
export const SERVICE_VERSION: string = denoJson.version;

/** Every setting of the service, validated and frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dbPath: string;
  readonly sqliteSynchronous: "normal" | "full";
  readonly trustedProxies: readonly CidrBlock[];
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly logApiRetentionDays: number;
  readonly logApiMaxRows: number;
  readonly logApiFlushMs: number;
  readonly logApiPruneIntervalMs: number;
  readonly demoData: boolean;
  readonly maxBodyBytes: number;
  readonly shutdownTimeoutMs: number;
  readonly telemetryFlushTimeoutMs: number;
  readonly sessionTtlMs: number;
  readonly adminUsername: string;
  /** Never logged; undefined means "generate one if the admin does not exist yet". */
  readonly adminPassword: string | undefined;
  readonly logApiPublic: boolean;
  readonly rateLimitLogin: RateLimit;
  readonly rateLimitLoginUser: RateLimit;
  readonly rateLimitRegister: RateLimit;
  readonly rateLimitPost: RateLimit;
  readonly rateLimitSearch: RateLimit;
  /** Origins allowed by CORS; empty means no CORS headers at all. */
  readonly corsAllowedOrigins: readonly string[];
  /** The standard OTEL_* settings. */
  readonly telemetry: TelemetryConfig;
}

/** What the command line asked for: serve with a config, or print help or the version. */
export type Startup =
  | { readonly action: "serve"; readonly config: Config }
  | { readonly action: "help" }
  | { readonly action: "version" };

/** A setting that is missing, malformed or out of range; its message names the setting. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Facts about the running executable that decide defaults (injectable for tests). */
export interface RuntimeFacts {
  /** True inside a binary built by `deno compile`. */
  readonly standalone: boolean;
  /** Path of the running executable. */
  readonly execPath: string;
  /** The operating system, which decides how that path is split. */
  readonly os: typeof Deno.build.os;
}

interface Option<K extends keyof Config> {
  readonly key: K;
  readonly env: string;
  readonly flag?: string;
  readonly placeholder: string;
  readonly defaultText: string;
  readonly help: string;
  readonly parse: (raw: string | undefined, name: string, runtime: RuntimeFacts) => Config[K];
}

// Each option is declared once: the parser and `--help` both read this table.
const OPTIONS: readonly Option<keyof Config>[] = [
  option({
    key: "port",
    env: "PORT",
    flag: "--port",
    placeholder: "<port>",
    defaultText: "5000",
    help: "TCP port to listen on (0 picks a free port and logs it)",
    parse: (raw, name) => parseInteger(raw ?? "5000", name, 0, 65535),
  }),
  option({
    key: "host",
    env: "HOST",
    flag: "--host",
    placeholder: "<address>",
    defaultText: "127.0.0.1",
    help: "Address to listen on (127.0.0.1: reachable only through the local nginx)",
    parse: (raw, name) => parseHost(raw ?? "127.0.0.1", name),
  }),
  option({
    key: "dbPath",
    env: "DB_PATH",
    flag: "--db",
    placeholder: "<file>",
    defaultText: "otel-board.db (beside the executable when compiled)",
    help: "SQLite database file, created on first start",
    parse: (raw, name, runtime) => parseDbPath(raw, name, runtime),
  }),
  option({
    key: "sqliteSynchronous",
    env: "SQLITE_SYNCHRONOUS",
    placeholder: "normal|full",
    defaultText: "normal",
    help: "normal survives a process crash; full also survives a power loss, at a cost per commit",
    parse: (raw, name) => parseChoice(raw ?? "normal", name, ["normal", "full"] as const),
  }),
  option({
    key: "trustedProxies",
    env: "TRUSTED_PROXIES",
    placeholder: "<cidr,...>",
    defaultText: "127.0.0.1/32,::1/128",
    help: "Peers whose X-Forwarded-For / X-Real-IP headers are believed (none: trust no proxy)",
    parse: (raw, name) => parseProxies(raw ?? "127.0.0.1/32,::1/128", name),
  }),
  option({
    key: "logLevel",
    env: "LOG_LEVEL",
    placeholder: LOG_LEVELS.join("|"),
    defaultText: "info",
    help: "Lowest level written to the log",
    parse: (raw, name) => parseChoice(raw ?? "info", name, LOG_LEVELS),
  }),
  option({
    key: "logFormat",
    env: "LOG_FORMAT",
    placeholder: LOG_FORMATS.join("|"),
    defaultText: "json",
    help: "One JSON object per line, or one human-readable line",
    parse: (raw, name) => parseChoice(raw ?? "json", name, LOG_FORMATS),
  }),
  option({
    key: "logApiRetentionDays",
    env: "LOG_API_RETENTION_DAYS",
    placeholder: "<days>",
    defaultText: "30",
    help: "Delete log_api rows older than this many days (0: no age limit)",
    parse: (raw, name) => parseInteger(raw ?? "30", name, 0, 36500),
  }),
  option({
    key: "logApiMaxRows",
    env: "LOG_API_MAX_ROWS",
    placeholder: "<rows>",
    defaultText: "1000000",
    help: "Keep at most this many log_api rows, newest first (0: no row limit)",
    parse: (raw, name) => parseInteger(raw ?? "1000000", name, 0, 1_000_000_000),
  }),
  option({
    key: "logApiFlushMs",
    env: "LOG_API_FLUSH_MS",
    placeholder: "<ms>",
    defaultText: "100",
    help: "log_api rows are written in one transaction at most this long after the answer",
    parse: (raw, name) => parseInteger(raw ?? "100", name, 1, 10_000),
  }),
  option({
    key: "logApiPruneIntervalMs",
    env: "LOG_API_PRUNE_INTERVAL_MS",
    placeholder: "<ms>",
    defaultText: "60000",
    help: "How often retention prunes log_api in the background",
    parse: (raw, name) => parseInteger(raw ?? "60000", name, 10, 86_400_000),
  }),
  option({
    key: "demoData",
    env: "DEMO_DATA",
    placeholder: "true|false",
    defaultText: "true",
    help: "Insert a few demo posts into a freshly created database",
    parse: (raw, name) => parseBoolean(raw ?? "true", name),
  }),
  option({
    key: "maxBodyBytes",
    env: "MAX_BODY_BYTES",
    placeholder: "<bytes>",
    defaultText: "65536",
    help: "Largest request body accepted on any route; larger ones get 413",
    parse: (raw, name) => parseInteger(raw ?? "65536", name, 1, 64 * 1024 * 1024),
  }),
  option({
    key: "shutdownTimeoutMs",
    env: "SHUTDOWN_TIMEOUT_MS",
    placeholder: "<ms>",
    defaultText: "10000",
    help: "On SIGINT/SIGTERM, how long in-flight requests may take to finish",
    parse: (raw, name) => parseInteger(raw ?? "10000", name, 0, 600_000),
  }),
  option({
    key: "telemetryFlushTimeoutMs",
    env: "TELEMETRY_FLUSH_TIMEOUT_MS",
    placeholder: "<ms>",
    defaultText: "5000",
    help: "On stop, how long each signal's queued items may take to reach the collector",
    parse: (raw, name) => parseInteger(raw ?? "5000", name, 0, 600_000),
  }),
  option({
    key: "sessionTtlMs",
    env: "SESSION_TTL",
    placeholder: "<duration>",
    defaultText: "7d",
    help: "How long a sign-in session lasts (seconds, or 30m, 12h, 7d)",
    parse: (raw, name) => {
      const ms = wrap(name, () => parseDuration(raw ?? "7d"));
      if (ms > 400 * 86_400_000) {
        throw new ConfigError(
          `${name} must be at most 400d (a browser cookie's limit), got "${raw}"`,
        );
      }
      return ms;
    },
  }),
  option({
    key: "adminUsername",
    env: "ADMIN_USERNAME",
    placeholder: "<username>",
    defaultText: "admin",
    help: "The first admin, created at start-up when missing (an existing one keeps its password)",
    parse: (raw, name) => {
      const username = raw ?? "admin";
      const problem = validateUsername(username);
      if (problem !== undefined) throw new ConfigError(`${name}: ${problem}`);
      return username;
    },
  }),
  option({
    key: "adminPassword",
    env: "ADMIN_PASSWORD",
    placeholder: "<password>",
    defaultText: "(none: a random one is printed once on the console)",
    help: "Password of the first admin when it is created; never logged",
    parse: (raw, name) => {
      if (raw === undefined) return undefined;
      const problem = validatePassword(raw);
      if (problem !== undefined) throw new ConfigError(`${name}: ${problem}`);
      return raw;
    },
  }),
  option({
    key: "logApiPublic",
    env: "LOG_API_PUBLIC",
    placeholder: "true|false",
    defaultText: "false",
    help: "Let anyone read GET /log, as the original app did (otherwise admins only)",
    parse: (raw, name) => parseBoolean(raw ?? "false", name),
  }),
  rateOption("rateLimitLogin", "RATE_LIMIT_LOGIN", "10/1m", "Sign-in attempts per client address"),
  rateOption(
    "rateLimitLoginUser",
    "RATE_LIMIT_LOGIN_USER",
    "5/1m",
    "Sign-in attempts per username",
  ),
  rateOption(
    "rateLimitRegister",
    "RATE_LIMIT_REGISTER",
    "10/1h",
    "Registrations per client address",
  ),
  rateOption("rateLimitPost", "RATE_LIMIT_POST", "30/1m", "New posts per client address"),
  rateOption("rateLimitSearch", "RATE_LIMIT_SEARCH", "60/1m", "Searches per client address"),
  option({
    key: "corsAllowedOrigins",
    env: "CORS_ALLOWED_ORIGINS",
    placeholder: "<origin,...>",
    defaultText: "(none: no CORS)",
    help: "Browser origins allowed to call the API from other sites, e.g. https://app.example",
    parse: (raw, name) => parseOrigins(raw ?? "", name),
  }),
];

function rateOption(
  key:
    | "rateLimitLogin"
    | "rateLimitLoginUser"
    | "rateLimitRegister"
    | "rateLimitPost"
    | "rateLimitSearch",
  env: string,
  fallback: string,
  help: string,
): Option<keyof Config> {
  return option({
    key,
    env,
    placeholder: "<requests>/<window>",
    defaultText: fallback,
    help,
    parse: (raw, name) => wrap(name, () => parseRateLimit(raw ?? fallback)),
  });
}

function wrap<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseOrigins(raw: string, name: string): readonly string[] {
  const origins = raw.split(",").map((o) => o.trim()).filter((o) => o !== "");
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

const BOOLEAN_FLAGS = new Set(["--help", "-h", "--version", "-V"]);

/**
 * Parses the environment and the command line into what to do at start-up.
 *
 * Flags win over environment variables; an empty variable counts as unset.
 * @throws {ConfigError} naming the setting when a value is invalid or a flag is unknown.
 */
export function loadConfig(
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  runtime: RuntimeFacts = currentRuntime(),
): Startup {
  const flags = parseFlags(args);
  if (flags.has("--help") || flags.has("-h")) return { action: "help" };
  if (flags.has("--version") || flags.has("-V")) return { action: "version" };
  const config: Record<string, unknown> = { telemetry: parseTelemetry(env) };
  for (const opt of OPTIONS) {
    const fromFlag = opt.flag === undefined ? undefined : flags.get(opt.flag);
    const fromEnv = env[opt.env] === "" ? undefined : env[opt.env];
    const name = fromFlag !== undefined ? opt.flag! : opt.env;
    config[opt.key] = opt.parse(fromFlag ?? fromEnv, name, runtime);
  }
  return { action: "serve", config: Object.freeze(config) as unknown as Config };
}

/** The `--help` text: every option with its variable, flag and default. */
export function helpText(): string {
  const lines = [
    `${SERVICE_NAME} ${SERVICE_VERSION}: a bulletin-board API on SQLite that logs every call.`,
    "",
    "Usage: otel-board [--port <port>] [--host <address>] [--db <file>] [--help] [--version]",
    "",
    "Settings (environment variable, flag where there is one, default):",
  ];
  for (const opt of OPTIONS) {
    const flag = opt.flag === undefined ? "" : `, ${opt.flag} ${opt.placeholder}`;
    lines.push(`  ${opt.env}=${opt.placeholder}${flag}`);
    lines.push(`      ${opt.help}. Default: ${opt.defaultText}`);
  }
  lines.push("", "OpenTelemetry settings (the standard OTEL_* variables):");
  for (const setting of TELEMETRY_SETTINGS) {
    lines.push(`  ${setting.name}`);
    lines.push(`      ${setting.help}. Default: ${setting.defaultText}`);
  }
  lines.push("", "Invalid settings stop start-up with a message naming the setting (exit code 2).");
  return lines.join("\n") + "\n";
}

/** The `--version` text. */
export function versionText(): string {
  return `${SERVICE_NAME} ${SERVICE_VERSION} (deno ${Deno.version.deno})\n`;
}

function parseTelemetry(env: Readonly<Record<string, string>>): TelemetryConfig {
  try {
    return parseTelemetryEnv(env, { serviceName: SERVICE_NAME });
  } catch (error) {
    if (error instanceof OtelConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function option<K extends keyof Config>(opt: Option<K>): Option<keyof Config> {
  return opt as unknown as Option<keyof Config>;
}

function currentRuntime(): RuntimeFacts {
  return { standalone: Deno.build.standalone, execPath: Deno.execPath(), os: Deno.build.os };
}

function parseFlags(args: readonly string[]): Map<string, string> {
  const known = new Set(OPTIONS.flatMap((o) => (o.flag === undefined ? [] : [o.flag])));
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (BOOLEAN_FLAGS.has(flag) && eq === -1) {
      flags.set(flag, "true");
      continue;
    }
    if (!known.has(flag)) {
      throw new ConfigError(`Unknown argument "${arg}": run with --help to see the options`);
    }
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    if (flags.has(flag)) throw new ConfigError(`${flag} is given more than once`);
    flags.set(flag, value);
  }
  return flags;
}

function parseInteger(raw: string, name: string, min: number, max: number): number {
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function parseBoolean(raw: string, name: string): boolean {
  const text = raw.toLowerCase();
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function parseChoice<T extends string>(raw: string, name: string, choices: readonly T[]): T {
  const text = raw.toLowerCase();
  const found = choices.find((c) => c === text);
  if (found === undefined) {
    throw new ConfigError(`${name} must be one of ${choices.join(", ")}, got "${raw}"`);
  }
  return found;
}

function parseHost(raw: string, name: string): string {
  if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(raw) && !/^\[[0-9A-Fa-f:.]+\]$/.test(raw)) {
    throw new ConfigError(`${name} must be a host name or IP address, got "${raw}"`);
  }
  return raw.startsWith("[") ? raw.slice(1, -1) : raw;
}

function parseProxies(raw: string, name: string): readonly CidrBlock[] {
  if (raw.trim().toLowerCase() === "none") return Object.freeze([]);
  try {
    return Object.freeze(parseCidrList(raw));
  } catch (error) {
    throw new ConfigError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseDbPath(raw: string | undefined, name: string, runtime: RuntimeFacts): string {
  if (raw === ":memory:") return raw;
  if (raw === "") throw new ConfigError(`${name} must be a file path, got an empty value`);
  if (raw !== undefined && raw.includes("\0")) {
    throw new ConfigError(`${name} must be a file path, got a value with a NUL character`);
  }
  const path = raw ?? defaultDbPath(runtime);
  return resolve(path);
}

/** Where the database lives when DB_PATH is not set: beside a compiled binary, else here. */
export function defaultDbPath(runtime: RuntimeFacts): string {
  if (!runtime.standalone) return "otel-board.db";
  const path = runtime.os === "windows" ? win32 : posix;
  return path.join(path.dirname(runtime.execPath), "otel-board.db");
}
