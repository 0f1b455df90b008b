/** @module The one shape every setting has (service and OTEL_* alike), and the types derived from it. */

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

/** Turns one raw, non-empty value into a typed one; throws a ConfigError naming `name`. */
export type Grammar<T> = (raw: string, name: string) => T;

/** One setting: where it is read from, its default, how it is parsed, and how it is shown. */
export interface Setting<T> {
  /** The environment variable. */
  readonly env: string;
  /** The command-line flag, where there is one (it wins over the variable). */
  readonly flag?: string;
  /** What a value looks like in `--help`, e.g. `<port>` or `true|false` (none for OTEL_*). */
  readonly placeholder?: string;
  /** The default as `--help` and the README show it. */
  readonly defaultText: string;
  /** One line for `--help`, without a full stop. */
  readonly help: string;
  /** A secret (password, API key): no message, help text or log line ever shows its value. */
  readonly secret: boolean;
  /** Parses the value, `undefined` when unset; `name` is the variable or flag it came from. */
  readonly parse: (raw: string | undefined, name: string, runtime: RuntimeFacts) => T;
}

/** Settings that one consumer reads, keyed by the name of its field in the Config. */
export type SettingGroup = Readonly<Record<string, Setting<unknown>>>;

/** The parsed values of a group: each field typed by its setting's parser. */
export type Values<G extends SettingGroup> = {
  readonly [K in keyof G]: G[K] extends Setting<infer T> ? T : never;
};

interface SettingSpec {
  readonly env: string;
  readonly flag?: string;
  readonly placeholder?: string;
  readonly help: string;
  readonly secret?: boolean;
}

/**
 * A setting with a literal default: the one string both the parser and `--help` read
 * (`defaultText` only words an empty default, e.g. "(none)").
 */
export function withDefault<T>(
  spec: SettingSpec & {
    readonly default: string;
    readonly defaultText?: string;
    readonly parse: Grammar<T>;
  },
): Setting<T> {
  const { default: fallback, defaultText, parse, ...rest } = spec;
  return Object.freeze<Setting<T>>({
    ...rest,
    secret: spec.secret ?? false,
    defaultText: defaultText ?? fallback,
    parse: (raw, name) => parse(raw ?? fallback, name),
  });
}

/**
 * A setting whose default is not a literal (nothing, or a value derived from other settings,
 * described by `defaultText`): its value is `undefined` when unset.
 */
export function withoutDefault<T>(
  spec: SettingSpec & { readonly defaultText: string; readonly parse: Grammar<T> },
): Setting<T | undefined> {
  const { parse, ...rest } = spec;
  return Object.freeze<Setting<T | undefined>>({
    ...rest,
    secret: spec.secret ?? false,
    parse: (raw, name) => raw === undefined ? undefined : parse(raw, name),
  });
}
