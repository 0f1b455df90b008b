/** @module Helpers for the settings tests: load a config that must be served, or expect a ConfigError. */

import assert from "node:assert/strict";
import { type Config, loadConfig } from "../../config/load.ts";
import { ConfigError, type RuntimeFacts } from "../../config/types.ts";

/** A Linux machine running the sources (not a compiled binary). */
export const LINUX_DEV: RuntimeFacts = {
  standalone: false,
  execPath: "/usr/bin/deno",
  os: "linux",
};

/** Loads a config that must be served; fails the test on help/version. */
export function serve(
  env: Record<string, string>,
  args: readonly string[] = [],
  runtime: RuntimeFacts = LINUX_DEV,
): Config {
  const startup = loadConfig(env, args, runtime);
  assert.equal(startup.action, "serve");
  if (startup.action !== "serve") throw new Error("unreachable");
  return startup.config;
}

/** Asserts that loading throws a ConfigError and returns its message. */
export function configError(env: Record<string, string>, args: readonly string[] = []): string {
  let caught: unknown;
  try {
    loadConfig(env, args, LINUX_DEV);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.name, "ConfigError");
  return caught.message;
}
