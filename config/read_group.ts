/** @module Reads one group of settings from the environment and the flags into its typed, frozen values. */

import type { RuntimeFacts, SettingGroup, Values } from "./types.ts";

/** Where raw values come from: the environment, and flags already split from the command line. */
export interface SettingSources {
  readonly env: Readonly<Record<string, string>>;
  /** Flag name (`--port`) → its value; a flag wins over its variable. */
  readonly flags?: ReadonlyMap<string, string>;
  readonly runtime: RuntimeFacts;
}

/**
 * Parses every setting of `group`, in its order; an empty variable counts as unset. Each
 * variable is read exactly once, whether or not it is set.
 * @throws {ConfigError} naming the variable, or the flag when the value came from one.
 */
export function readGroup<G extends SettingGroup>(group: G, sources: SettingSources): Values<G> {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(group)) {
    const fromFlag = setting.flag === undefined ? undefined : sources.flags?.get(setting.flag);
    const rawEnv = sources.env[setting.env];
    const fromEnv = rawEnv === "" ? undefined : rawEnv;
    const name = fromFlag !== undefined && setting.flag !== undefined ? setting.flag : setting.env;
    values[key] = setting.parse(fromFlag ?? fromEnv, name, sources.runtime);
  }
  // Each field was just set from the setting of the same key, so it has that setting's type.
  return Object.freeze(values) as Values<G>;
}
