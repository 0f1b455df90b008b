/** @module The service's own settings table, grouped by the part of the service that reads them. */

import { posix, resolve, win32 } from "node:path";
import { databaseUrl } from "./database_url.ts";
import { validatePassword, validateUsername } from "../lib/account_rules.ts";
import { MIN_SIGNING_KEY_BYTES } from "../lib/rum_signature.ts";
import { ACCESS_LOG_OUTPUTS, LOG_FORMATS, LOG_LEVELS } from "../lib/log_levels.ts";
import {
  boolean,
  checkedBy,
  choice,
  cidrList,
  databasePath,
  duration,
  filePath,
  host,
  integer,
  originList,
  rate,
  secretKey,
  timeZone,
  traceUrlTemplate,
} from "./grammars.ts";
import {
  type RuntimeFacts,
  type Setting,
  type SettingGroup,
  withDefault,
  withoutDefault,
} from "./types.ts";

/** The database file's name when DB_PATH is not set. */
const DEFAULT_DB_FILE = "otel-board.db";

/** Where the database lives when DB_PATH is not set: beside a compiled binary, else here. */
export function defaultDbPath(runtime: RuntimeFacts): string {
  if (!runtime.standalone) return DEFAULT_DB_FILE;
  const path = runtime.os === "windows" ? win32 : posix;
  return path.join(path.dirname(runtime.execPath), DEFAULT_DB_FILE);
}

const dbPath = Object.freeze<Setting<string>>({
  env: "DB_PATH",
  flag: "--db",
  placeholder: "<file>",
  defaultText: DEFAULT_DB_FILE,
  help: "SQLite database file, created on first start (by default beside the executable when " +
    "compiled)",
  secret: false,
  parse: (raw, name, runtime) =>
    raw === undefined ? resolve(defaultDbPath(runtime)) : databasePath(raw, name),
});

/** What the HTTP server reads. */
export const SERVER_SETTINGS = Object.freeze(
  {
    port: withDefault({
      env: "PORT",
      flag: "--port",
      placeholder: "<port>",
      default: "5000",
      help: "TCP port to listen on (0 picks a free port and logs it)",
      parse: integer(0, 65535),
    }),
    host: withDefault({
      env: "HOST",
      flag: "--host",
      placeholder: "<address>",
      default: "127.0.0.1",
      help: "Address to listen on (127.0.0.1: reachable only through the local nginx)",
      parse: host,
    }),
    trustedProxies: withDefault({
      env: "TRUSTED_PROXIES",
      placeholder: "<cidr,...>",
      default: "127.0.0.1/32,::1/128",
      help: "Peers whose X-Forwarded-For / X-Real-IP headers are believed (none: trust no proxy)",
      parse: cidrList,
    }),
    maxBodyBytes: withDefault({
      env: "MAX_BODY_BYTES",
      placeholder: "<bytes>",
      default: "65536",
      help: "Largest request body accepted on any route; larger ones get 413",
      parse: integer(1, 64 * 1024 * 1024),
    }),
    shutdownTimeoutMs: withDefault({
      env: "SHUTDOWN_TIMEOUT_MS",
      placeholder: "<ms>",
      default: "10000",
      help: "On SIGINT/SIGTERM, how long in-flight requests may take to finish",
      parse: integer(0, 600_000),
    }),
    corsAllowedOrigins: withDefault({
      env: "CORS_ALLOWED_ORIGINS",
      placeholder: "<origin,...>",
      default: "",
      defaultText: "(none)",
      help: "Browser origins allowed to call the API from other sites, e.g. https://app.example " +
        "(none: no CORS headers at all)",
      parse: originList,
    }),
  } as const satisfies SettingGroup,
);

/** What opening the database reads. */
export const DATABASE_SETTINGS = Object.freeze(
  {
    path: dbPath,
    synchronous: withDefault({
      env: "SQLITE_SYNCHRONOUS",
      placeholder: "normal|full",
      default: "normal",
      help:
        "normal survives a process crash; full also survives a power loss, at a cost per commit",
      parse: choice(["normal", "full"] as const),
    }),
    url: withoutDefault({
      env: "DATABASE_URL",
      placeholder: "<postgres://…>",
      defaultText: "(none: SQLite at DB_PATH)",
      help: "PostgreSQL instead of the SQLite file: postgres://user@host:port/database" +
        "[?sslmode=require]; shown in logs with its password masked",
      secret: true,
      parse: databaseUrl,
    }),
    passwordFile: withoutDefault({
      env: "DATABASE_PASSWORD_FILE",
      placeholder: "<file>",
      defaultText: "(none)",
      help: "File holding the PostgreSQL password (used when DATABASE_URL has none; wins over " +
        "PGPASSWORD)",
      parse: (raw, name) => resolve(filePath("a file holding the password")(raw, name)),
    }),
    pgPassword: withoutDefault({
      env: "PGPASSWORD",
      placeholder: "<password>",
      defaultText: "(none)",
      help: "PostgreSQL password when neither DATABASE_URL nor DATABASE_PASSWORD_FILE gives one; " +
        "never logged",
      secret: true,
      parse: (raw) => raw,
    }),
    poolSize: withDefault({
      env: "DATABASE_POOL_SIZE",
      placeholder: "<connections>",
      default: "10",
      help: "Most PostgreSQL connections one instance opens (at least 2: one may hold a lock)",
      parse: integer(2, 1000),
    }),
    demoData: withDefault({
      env: "DEMO_DATA",
      placeholder: "true|false",
      default: "true",
      help: "Insert a few demo posts into a freshly created database",
      parse: boolean,
    }),
  } as const satisfies SettingGroup,
);

/** What the call log (writer, retention, GET /log) reads. */
export const LOG_API_SETTINGS = Object.freeze(
  {
    retentionDays: withDefault({
      env: "LOG_API_RETENTION_DAYS",
      placeholder: "<days>",
      default: "30",
      help: "Delete log_api rows older than this many days (0: no age limit)",
      parse: integer(0, 36500),
    }),
    maxRows: withDefault({
      env: "LOG_API_MAX_ROWS",
      placeholder: "<rows>",
      default: "1000000",
      help: "Keep at most this many log_api rows, newest first (0: no row limit)",
      parse: integer(0, 1_000_000_000),
    }),
    flushMs: withDefault({
      env: "LOG_API_FLUSH_MS",
      placeholder: "<ms>",
      default: "100",
      help: "log_api rows are written in one transaction at most this long after the answer",
      parse: integer(1, 10_000),
    }),
    pruneIntervalMs: withDefault({
      env: "LOG_API_PRUNE_INTERVAL_MS",
      placeholder: "<ms>",
      default: "60000",
      help: "How often retention prunes log_api in the background",
      parse: integer(10, 86_400_000),
    }),
    public: withDefault({
      env: "LOG_API_PUBLIC",
      placeholder: "true|false",
      default: "false",
      help: "Let anyone read GET /log, as the original app did (otherwise admins only)",
      parse: boolean,
    }),
  } as const satisfies SettingGroup,
);

/** What the accounts service reads. */
export const ACCOUNT_SETTINGS = Object.freeze(
  {
    sessionTtlMs: withDefault({
      env: "SESSION_TTL",
      placeholder: "<duration>",
      default: "7d",
      help: "How long a sign-in session lasts (seconds, or 30m, 12h, 7d; at most 400d)",
      parse: duration({ text: "400d", why: "a browser cookie's limit" }),
    }),
    adminUsername: withDefault({
      env: "ADMIN_USERNAME",
      placeholder: "<username>",
      default: "admin",
      help:
        "The first admin, created at start-up when missing (an existing one keeps its password)",
      parse: checkedBy(validateUsername),
    }),
    adminPassword: withoutDefault({
      env: "ADMIN_PASSWORD",
      placeholder: "<password>",
      defaultText: "(none)",
      help: "Password of the first admin when it is created (none: a random one is written to " +
        "ADMIN_PASSWORD_FILE); never logged",
      secret: true,
      parse: checkedBy(validatePassword),
    }),
    adminPasswordFile: withoutDefault({
      env: "ADMIN_PASSWORD_FILE",
      placeholder: "<file>",
      defaultText: "<DB_PATH>.admin-password.txt",
      help: "Where a generated admin password is written, readable by its owner only (first " +
        "start, reset-admin-password); delete it after signing in; required with DATABASE_URL " +
        "when ADMIN_PASSWORD is not set",
      parse: (raw, name) => resolve(filePath("a file for the generated password")(raw, name)),
    }),
  } as const satisfies SettingGroup,
);

/** The request rate limits, each per client address unless it says otherwise. */
export const RATE_LIMIT_SETTINGS = Object.freeze(
  {
    login: rateSetting("RATE_LIMIT_LOGIN", "10/1m", "Sign-in attempts per client address"),
    loginUser: rateSetting("RATE_LIMIT_LOGIN_USER", "5/1m", "Sign-in attempts per username"),
    register: rateSetting("RATE_LIMIT_REGISTER", "10/1h", "Registrations per client address"),
    post: rateSetting("RATE_LIMIT_POST", "30/1m", "New posts per client address"),
    search: rateSetting("RATE_LIMIT_SEARCH", "60/1m", "Searches per client address"),
    rum: rateSetting(
      "RATE_LIMIT_RUM",
      "60/1m",
      "Browser timing beacons (POST /rum) per client address",
    ),
  } as const satisfies SettingGroup,
);

/** What the pages for people read (routes/web). */
export const PAGE_SETTINGS = Object.freeze(
  {
    displayTimeZone: withoutDefault({
      env: "DISPLAY_TIMEZONE",
      placeholder: "<IANA zone>",
      defaultText: "(the machine's zone)",
      help: "Time zone the pages show times in, e.g. Asia/Seoul (the UTC time stays in the HTML)",
      parse: timeZone,
    }),
    traceUrlTemplate: withoutDefault({
      env: "TRACE_URL_TEMPLATE",
      placeholder: "<url with {trace_id}>",
      defaultText: "(none)",
      help:
        "Link for a trace id on /manage/log, e.g. https://grafana.example/explore?…{trace_id}… " +
        "(none: the id is plain text)",
      parse: traceUrlTemplate,
    }),
    rumSigningKey: withoutDefault({
      env: "RUM_SIGNING_KEY",
      placeholder: "<hex|base64>",
      defaultText: "(a random key per process)",
      help: "Key that signs each page's trace context for its timing beacon, at least " +
        `${MIN_SIGNING_KEY_BYTES} bytes; give every instance the same one (unset: beacons answered ` +
        "by another instance are refused)",
      secret: true,
      parse: secretKey(MIN_SIGNING_KEY_BYTES),
    }),
    rumContextMaxAgeMs: withDefault({
      env: "RUM_CONTEXT_MAX_AGE",
      placeholder: "<duration>",
      default: "10m",
      help: "How long after a page was served its timing beacon is accepted (seconds, or 10m, " +
        "1h; at most 1d)",
      parse: duration({ text: "1d", why: "a page's timings are sent right after it loads" }),
    }),
  } as const satisfies SettingGroup,
);

/** What the logger reads. */
export const LOG_SETTINGS = Object.freeze(
  {
    level: withDefault({
      env: "LOG_LEVEL",
      placeholder: LOG_LEVELS.join("|"),
      default: "info",
      help: "Lowest level written to the log",
      parse: choice(LOG_LEVELS),
    }),
    format: withDefault({
      env: "LOG_FORMAT",
      placeholder: LOG_FORMATS.join("|"),
      default: "json",
      help: "One JSON object per line, or one human-readable line",
      parse: choice(LOG_FORMATS),
    }),
    access: withDefault({
      env: "LOG_ACCESS",
      placeholder: ACCESS_LOG_OUTPUTS.join("|"),
      default: "both",
      help: "Where each request's access record goes: the OTLP log exporter, the stdout line, " +
        "both, or nowhere",
      parse: choice(ACCESS_LOG_OUTPUTS),
    }),
  } as const satisfies SettingGroup,
);

/** The service's own telemetry setting (the standard ones are in otel_settings.ts). */
export const TELEMETRY_SERVICE_SETTINGS = Object.freeze(
  {
    flushTimeoutMs: withDefault({
      env: "TELEMETRY_FLUSH_TIMEOUT_MS",
      placeholder: "<ms>",
      default: "5000",
      help: "On stop, how long each signal's queued items may take to reach the collector",
      parse: integer(0, 600_000),
    }),
    keepErrors: withDefault({
      env: "TRACES_KEEP_ERRORS",
      placeholder: "true|false",
      default: "false",
      help: "true exports every trace whose request failed (5xx, exception), whatever the " +
        "sampler dropped; the others follow OTEL_TRACES_SAMPLER",
      parse: boolean,
    }),
    keepErrorsMaxTraces: withDefault({
      env: "TRACES_KEEP_ERRORS_MAX_TRACES",
      placeholder: "<traces>",
      default: "1024",
      help: "With TRACES_KEEP_ERRORS, most unsampled traces held until their request ends",
      parse: integer(1, 1_000_000),
    }),
    keepErrorsMaxSpans: withDefault({
      env: "TRACES_KEEP_ERRORS_MAX_SPANS",
      placeholder: "<spans>",
      default: "8192",
      help: "With TRACES_KEEP_ERRORS, most spans held over all those traces",
      parse: integer(1, 10_000_000),
    }),
    keepErrorsTimeoutMs: withDefault({
      env: "TRACES_KEEP_ERRORS_TIMEOUT_MS",
      placeholder: "<ms>",
      default: "30000",
      help: "With TRACES_KEEP_ERRORS, how long a trace is held for its request to end",
      parse: integer(1, 3_600_000),
    }),
  } as const satisfies SettingGroup,
);

/** Every group of the service's own settings, in `--help` and README order. */
export const SERVICE_SETTINGS = Object.freeze(
  {
    server: SERVER_SETTINGS,
    database: DATABASE_SETTINGS,
    logApi: LOG_API_SETTINGS,
    accounts: ACCOUNT_SETTINGS,
    rateLimits: RATE_LIMIT_SETTINGS,
    pages: PAGE_SETTINGS,
    log: LOG_SETTINGS,
    telemetry: TELEMETRY_SERVICE_SETTINGS,
  } as const,
);

function rateSetting(env: string, fallback: string, help: string) {
  return withDefault({
    env,
    placeholder: "<requests>/<window>|off",
    default: fallback,
    help: `${help} (off: no limit)`,
    parse: rate,
  });
}
