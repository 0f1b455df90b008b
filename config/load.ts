/** @module Environment variables and command-line flags, parsed once into one frozen, validated Config. */

import { assembleTelemetry } from "./otel_assemble.ts";
import { OTEL_SETTINGS } from "./otel_settings.ts";
import { readGroup, type SettingSources } from "./read_group.ts";
import { SERVICE_NAME } from "./service_identity.ts";
import { SERVICE_SETTINGS } from "./settings.ts";
import type { TelemetryConfig } from "./telemetry_config.ts";
import { ConfigError, type RuntimeFacts, type Values } from "./types.ts";

type ServiceGroups = typeof SERVICE_SETTINGS;

/** Every setting of the service, validated and frozen, grouped by the part that reads it. */
export interface Config extends
  Omit<
    { readonly [G in keyof ServiceGroups]: Values<ServiceGroups[G]> },
    "telemetry"
  > {
  /** The standard OTEL_* settings, plus the service's own flush timeout. */
  readonly telemetry: TelemetryConfig & Values<ServiceGroups["telemetry"]>;
}

/** What the command line asked for: serve with a config, or print help or the version. */
export type Startup =
  | { readonly action: "serve"; readonly config: Config }
  | { readonly action: "help" }
  | { readonly action: "version" };

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
  return { action: "serve", config: parseSettings(env, flags, runtime) };
}

/**
 * Parses every setting (the OTEL_* ones first, then the service's own) from the environment
 * and flags already split from the command line, without any help or version handling.
 * @param flags flag name (`--port`) → value, as {@linkcode parseFlags} returns them.
 * @throws {ConfigError} naming the setting when a value is invalid.
 */
export function parseSettings(
  env: Readonly<Record<string, string>>,
  flags: ReadonlyMap<string, string> = new Map(),
  runtime: RuntimeFacts = currentRuntime(),
): Config {
  const config = parseBothEngines(env, flags, runtime);
  const pathGiven = (env.DB_PATH ?? "") !== "" || flags.has("--db");
  if (config.database.url !== undefined && pathGiven) {
    throw new ConfigError(
      "DATABASE_URL and DB_PATH are both set: DATABASE_URL selects PostgreSQL, DB_PATH the " +
        "SQLite file; unset one of them",
    );
  }
  return config;
}

/**
 * Like {@linkcode parseSettings}, but DATABASE_URL and DB_PATH may both be set: for the one
 * command that reads the SQLite file and writes PostgreSQL (copy-to-postgres).
 * @throws {ConfigError} naming the setting when a value is invalid.
 */
export function parseBothEngines(
  env: Readonly<Record<string, string>>,
  flags: ReadonlyMap<string, string> = new Map(),
  runtime: RuntimeFacts = currentRuntime(),
): Config {
  const sources: SettingSources = { env, flags, runtime };
  const telemetry = assembleTelemetry(readGroup(OTEL_SETTINGS, sources), {
    serviceName: SERVICE_NAME,
  });
  const config: Config = {
    server: readGroup(SERVICE_SETTINGS.server, sources),
    database: readGroup(SERVICE_SETTINGS.database, sources),
    logApi: readGroup(SERVICE_SETTINGS.logApi, sources),
    accounts: readGroup(SERVICE_SETTINGS.accounts, sources),
    rateLimits: readGroup(SERVICE_SETTINGS.rateLimits, sources),
    pages: readGroup(SERVICE_SETTINGS.pages, sources),
    log: readGroup(SERVICE_SETTINGS.log, sources),
    telemetry: Object.freeze({ ...telemetry, ...readGroup(SERVICE_SETTINGS.telemetry, sources) }),
  };
  return Object.freeze(config);
}

/**
 * Splits the command line into flags: `--flag value` or `--flag=value` for each setting's
 * flag, and `--help`/`-h`/`--version`/`-V` alone (value "true").
 * @throws {ConfigError} for an unknown argument, a missing value or a repeated flag.
 */
export function parseFlags(args: readonly string[]): Map<string, string> {
  const known = new Set(
    Object.values(SERVICE_SETTINGS).flatMap((group) =>
      Object.values(group).flatMap((setting) => "flag" in setting ? [setting.flag] : [])
    ),
  );
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

function currentRuntime(): RuntimeFacts {
  return { standalone: Deno.build.standalone, execPath: Deno.execPath(), os: Deno.build.os };
}
