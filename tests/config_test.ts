/** @module Tests for parsing environment variables and flags into the frozen Config. */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Config,
  ConfigError,
  defaultDbPath,
  helpText,
  loadConfig,
  type RuntimeFacts,
  versionText,
} from "../config/settings.ts";

const LINUX_DEV: RuntimeFacts = { standalone: false, execPath: "/usr/bin/deno", os: "linux" };

/** Loads a config that must be served; fails the test on help/version. */
function serve(
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
function configError(env: Record<string, string>, args: readonly string[] = []): string {
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

Deno.test({
  name: "loadConfig with no settings gives the documented defaults",
  fn() {
    const config = serve({});
    assert.equal(config.port, 5000);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.dbPath, join(Deno.cwd(), "otel-board.db"));
    assert.equal(config.sqliteSynchronous, "normal");
    assert.deepEqual(config.trustedProxies.map((b) => b.text), ["127.0.0.1/32", "::1/128"]);
    assert.equal(config.logLevel, "info");
    assert.equal(config.logFormat, "json");
    assert.equal(config.logApiRetentionDays, 30);
    assert.equal(config.logApiMaxRows, 1_000_000);
    assert.equal(config.logApiFlushMs, 100);
    assert.equal(config.logApiPruneIntervalMs, 60_000);
    assert.equal(config.demoData, true);
    assert.equal(config.maxBodyBytes, 65_536);
    assert.equal(config.shutdownTimeoutMs, 10_000);
  },
});

Deno.test({
  name: "loadConfig resolves the default database path to an absolute path in the cwd",
  fn() {
    const config = serve({});
    assert.ok(config.dbPath.startsWith("/"), config.dbPath);
    assert.equal(config.dbPath, join(Deno.cwd(), "otel-board.db"));
  },
});

Deno.test({
  name: "loadConfig puts the default database beside a compiled Linux binary",
  fn() {
    const runtime: RuntimeFacts = {
      standalone: true,
      execPath: "/opt/otel-board/otel-board",
      os: "linux",
    };
    assert.equal(serve({}, [], runtime).dbPath, "/opt/otel-board/otel-board.db");
  },
});

Deno.test({
  name: "loadConfig reads every setting from the environment",
  fn() {
    const config = serve({
      PORT: "8080",
      HOST: "0.0.0.0",
      DB_PATH: "/var/lib/otel-board/board.db",
      SQLITE_SYNCHRONOUS: "FULL",
      TRUSTED_PROXIES: "10.0.0.0/8, fd00::/8",
      LOG_LEVEL: "DEBUG",
      LOG_FORMAT: "text",
      LOG_API_RETENTION_DAYS: "0",
      LOG_API_MAX_ROWS: "500",
      LOG_API_FLUSH_MS: "250",
      LOG_API_PRUNE_INTERVAL_MS: "1000",
      DEMO_DATA: "false",
      MAX_BODY_BYTES: "1024",
      SHUTDOWN_TIMEOUT_MS: "0",
    });
    assert.equal(config.port, 8080);
    assert.equal(config.host, "0.0.0.0");
    assert.equal(config.dbPath, "/var/lib/otel-board/board.db");
    assert.equal(config.sqliteSynchronous, "full");
    assert.deepEqual(config.trustedProxies.map((b) => b.text), ["10.0.0.0/8", "fd00::/8"]);
    assert.equal(config.logLevel, "debug");
    assert.equal(config.logFormat, "text");
    assert.equal(config.logApiRetentionDays, 0);
    assert.equal(config.logApiMaxRows, 500);
    assert.equal(config.logApiFlushMs, 250);
    assert.equal(config.logApiPruneIntervalMs, 1000);
    assert.equal(config.demoData, false);
    assert.equal(config.maxBodyBytes, 1024);
    assert.equal(config.shutdownTimeoutMs, 0);
  },
});

Deno.test({
  name: "DEMO_DATA accepts true/false/1/0 in any case",
  fn() {
    for (const [raw, expected] of [["TRUE", true], ["1", true], ["False", false], ["0", false]]) {
      assert.equal(serve({ DEMO_DATA: String(raw) }).demoData, expected, String(raw));
    }
  },
});

Deno.test({
  name: "--port, --port=, --host and --db win over the environment",
  fn() {
    const env = { PORT: "7000", HOST: "0.0.0.0", DB_PATH: "/env/board.db" };
    assert.equal(serve(env, ["--port", "6000"]).port, 6000);
    assert.equal(serve(env, ["--port=6000"]).port, 6000);
    assert.equal(serve(env, ["--host", "::1"]).host, "::1");
    assert.equal(serve(env, ["--host=localhost"]).host, "localhost");
    assert.equal(serve(env, ["--db", "/flag/board.db"]).dbPath, "/flag/board.db");
    assert.equal(serve(env, ["--db=/flag/eq.db"]).dbPath, "/flag/eq.db");
    const all = serve(env, ["--port", "6001", "--host", "127.0.0.2", "--db", "rel.db"]);
    assert.equal(all.port, 6001);
    assert.equal(all.host, "127.0.0.2");
    assert.equal(all.dbPath, join(Deno.cwd(), "rel.db"));
  },
});

Deno.test({
  name: "the environment is used for settings no flag overrides",
  fn() {
    const config = serve({ PORT: "7000", HOST: "0.0.0.0" }, ["--port", "6000"]);
    assert.equal(config.port, 6000);
    assert.equal(config.host, "0.0.0.0");
  },
});

Deno.test({
  name: "a bracketed IPv6 host is accepted without its brackets",
  fn() {
    assert.equal(serve({ HOST: "[::1]" }).host, "::1");
  },
});

Deno.test({
  name: "DB_PATH=:memory: is kept as is and a relative DB_PATH is made absolute",
  fn() {
    assert.equal(serve({ DB_PATH: ":memory:" }).dbPath, ":memory:");
    assert.equal(serve({ DB_PATH: "data/board.db" }).dbPath, join(Deno.cwd(), "data/board.db"));
  },
});

Deno.test({
  name: "an empty environment variable counts as unset",
  fn() {
    const config = serve({
      PORT: "",
      HOST: "",
      DB_PATH: "",
      SQLITE_SYNCHRONOUS: "",
      LOG_LEVEL: "",
      LOG_FORMAT: "",
      LOG_API_RETENTION_DAYS: "",
      LOG_API_MAX_ROWS: "",
      DEMO_DATA: "",
      MAX_BODY_BYTES: "",
    });
    assert.equal(config.port, 5000);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.dbPath, join(Deno.cwd(), "otel-board.db"));
    assert.equal(config.sqliteSynchronous, "normal");
    assert.equal(config.logLevel, "info");
    assert.equal(config.logFormat, "json");
    assert.equal(config.logApiRetentionDays, 30);
    assert.equal(config.logApiMaxRows, 1_000_000);
    assert.equal(config.demoData, true);
    assert.equal(config.maxBodyBytes, 65_536);
  },
});

Deno.test({
  name: "TRUSTED_PROXIES set to empty does what --help says (trust no proxy)",
  fn() {
    // --help documents "(empty: none)" for TRUSTED_PROXIES, but an empty variable counts as
    // unset, so the loopback defaults stay trusted. Help text and behaviour must agree.
    const helpPromisesNone = /TRUSTED_PROXIES[^\n]*\n[^\n]*empty: none/.test(helpText());
    const trusted = serve({ TRUSTED_PROXIES: "" }).trustedProxies.map((b) => b.text);
    if (helpPromisesNone) {
      assert.deepEqual(trusted, [], "--help says an empty TRUSTED_PROXIES trusts no proxy");
    } else {
      assert.deepEqual(trusted, ["127.0.0.1/32", "::1/128"]);
    }
  },
});

Deno.test({
  name: "TRUSTED_PROXIES=none trusts no proxy, as --help says",
  fn() {
    assert.match(helpText(), /TRUSTED_PROXIES[^\n]*\n[^\n]*none: trust no proxy/);
    assert.deepEqual(serve({ TRUSTED_PROXIES: "none" }).trustedProxies, []);
    assert.deepEqual(serve({ TRUSTED_PROXIES: " None " }).trustedProxies, []);
  },
});

Deno.test({
  name: "TRUSTED_PROXIES of only blanks trusts no proxy",
  fn() {
    assert.deepEqual(serve({ TRUSTED_PROXIES: " " }).trustedProxies, []);
  },
});

Deno.test({
  name: "the config object and its proxy list are frozen",
  fn() {
    const config = serve({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.trustedProxies));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (config.trustedProxies as unknown[]).push(null);
    }, TypeError);
    assert.equal(config.port, 5000);
  },
});

Deno.test({
  name: "--help and -h ask for the help text, even with invalid settings",
  fn() {
    assert.deepEqual(loadConfig({}, ["--help"], LINUX_DEV), { action: "help" });
    assert.deepEqual(loadConfig({}, ["-h"], LINUX_DEV), { action: "help" });
    assert.deepEqual(loadConfig({ PORT: "abc" }, ["--help"], LINUX_DEV), { action: "help" });
    assert.deepEqual(loadConfig({}, ["--port", "6000", "--help"], LINUX_DEV), {
      action: "help",
    });
  },
});

Deno.test({
  name: "--version asks for the version text, even with invalid settings",
  fn() {
    assert.deepEqual(loadConfig({}, ["--version"], LINUX_DEV), { action: "version" });
    assert.deepEqual(loadConfig({ LOG_LEVEL: "loud" }, ["--version"], LINUX_DEV), {
      action: "version",
    });
  },
});

Deno.test({
  name: "an invalid PORT is refused with a message naming PORT and the bad value",
  fn() {
    for (const bad of ["abc", "70000", "65536", "-1", "1.5", " 5000", "5e3", "0x10"]) {
      const message = configError({ PORT: bad });
      assert.match(message, /\bPORT\b/, message);
      assert.ok(message.includes(`"${bad}"`), message);
    }
  },
});

Deno.test({
  name: "an invalid --port is refused with a message naming the flag, not the variable",
  fn() {
    for (const args of [["--port", "abc"], ["--port=70000"], ["--port", "-1"], ["--port=1.5"]]) {
      const message = configError({ PORT: "6000" }, args);
      assert.ok(message.startsWith("--port"), message);
      assert.doesNotMatch(message, /\bPORT\b/, message);
      const bad = args.length === 2 ? args[1]! : args[0]!.slice("--port=".length);
      assert.ok(message.includes(`"${bad}"`), message);
    }
  },
});

Deno.test({
  name: "an unknown flag is refused with a message naming it",
  fn() {
    const message = configError({}, ["--prot", "6000"]);
    assert.ok(message.includes("--prot"), message);
    assert.ok(configError({}, ["--prot=6000"]).includes("--prot=6000"));
    assert.ok(configError({}, ["serve"]).includes("serve"));
  },
});

Deno.test({
  name: "a flag without a value is refused with a message naming the flag",
  fn() {
    for (const flag of ["--port", "--host", "--db"]) {
      const message = configError({}, [flag]);
      assert.ok(message.includes(flag), message);
      assert.match(message, /needs a value/, message);
    }
  },
});

Deno.test({
  name: "a flag given twice is refused with a message naming the flag",
  fn() {
    for (const args of [["--port", "1", "--port", "2"], ["--port=1", "--port", "1"]]) {
      const message = configError({}, args);
      assert.ok(message.includes("--port"), message);
      assert.match(message, /more than once/, message);
    }
  },
});

Deno.test({
  name: "each invalid setting is refused with a message naming the variable and the bad value",
  fn() {
    const cases: [string, string][] = [
      ["LOG_LEVEL", "loud"],
      ["LOG_FORMAT", "xml"],
      ["SQLITE_SYNCHRONOUS", "off"],
      ["DEMO_DATA", "maybe"],
      ["MAX_BODY_BYTES", "0"],
      ["MAX_BODY_BYTES", "big"],
      ["TRUSTED_PROXIES", "10.0.0.0/33"],
      ["TRUSTED_PROXIES", "not-an-ip"],
      ["LOG_API_RETENTION_DAYS", "x"],
      ["LOG_API_RETENTION_DAYS", "-1"],
      ["LOG_API_MAX_ROWS", "many"],
      ["LOG_API_FLUSH_MS", "0"],
      ["LOG_API_PRUNE_INTERVAL_MS", "1"],
      ["SHUTDOWN_TIMEOUT_MS", "soon"],
      ["HOST", "bad host"],
    ];
    for (const [name, bad] of cases) {
      const message = configError({ [name]: bad });
      assert.ok(new RegExp(`\\b${name}\\b`).test(message), `${name}=${bad}: ${message}`);
      assert.ok(message.includes(bad), `${name}=${bad}: ${message}`);
    }
  },
});

Deno.test({
  name: "DB_PATH with a NUL character is refused naming DB_PATH",
  fn() {
    assert.match(configError({ DB_PATH: "a\0b.db" }), /\bDB_PATH\b/);
  },
});

/** Reads `env: "NAME"` / `defaultText: "..."` pairs from config/settings.ts's source. */
async function declaredOptions(): Promise<{ env: string; defaultText: string }[]> {
  const source = await Deno.readTextFile(new URL("../config/settings.ts", import.meta.url));
  const names = [...source.matchAll(/\benv:\s*"([A-Z0-9_]+)"/g)];
  return names.map((match, i) => {
    const end = names[i + 1]?.index ?? source.length;
    const block = source.slice(match.index, end);
    const defaultText = /\bdefaultText:\s*"([^"]*)"/.exec(block)?.[1];
    assert.ok(defaultText !== undefined, `no defaultText after env: "${match[1]}"`);
    return { env: match[1]!, defaultText };
  });
}

Deno.test({
  name: "helpText lists every environment variable loadConfig reads, with its default",
  async fn() {
    const options = await declaredOptions();
    assert.ok(
      options.length >= 12,
      `found only ${options.length} env entries in config/settings.ts`,
    );
    const help = helpText();
    const lines = help.split("\n");
    for (const { env, defaultText } of options) {
      const at = lines.findIndex((line) => line.trimStart().startsWith(`${env}=`));
      assert.ok(at !== -1, `${env} is missing from --help`);
      const entry = lines.slice(at, at + 2).join("\n");
      assert.ok(entry.includes(`Default: ${defaultText}`), `${env}: ${entry}`);
    }
    for (const name of ["PORT", "HOST", "DB_PATH", "TRUSTED_PROXIES", "LOG_LEVEL", "LOG_FORMAT"]) {
      assert.ok(options.some((o) => o.env === name), `config/settings.ts does not read ${name}`);
    }
    for (const name of ["LOG_API_RETENTION_DAYS", "LOG_API_MAX_ROWS", "DEMO_DATA"]) {
      assert.ok(options.some((o) => o.env === name), `config/settings.ts does not read ${name}`);
    }
    assert.ok(options.some((o) => o.env === "MAX_BODY_BYTES"));
  },
});

Deno.test({
  name: "every variable declared in config/settings.ts is actually read by loadConfig",
  async fn() {
    // A variable set to garbage must either be refused naming it or change the config.
    const baseline = JSON.stringify(serve({}));
    for (const { env } of await declaredOptions()) {
      let changed: boolean;
      try {
        changed = JSON.stringify(serve({ [env]: "%garbage%" })) !== baseline;
      } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        assert.ok(error.message.includes(env), error.message);
        changed = true;
      }
      assert.ok(changed, `${env} is ignored by loadConfig`);
    }
  },
});

Deno.test({
  name: "the defaults printed by --help are the defaults loadConfig uses",
  async fn() {
    const config = serve({});
    const actual: Record<string, string> = {
      PORT: String(config.port),
      HOST: config.host,
      SQLITE_SYNCHRONOUS: config.sqliteSynchronous,
      TRUSTED_PROXIES: config.trustedProxies.map((b) => b.text).join(","),
      LOG_LEVEL: config.logLevel,
      LOG_FORMAT: config.logFormat,
      LOG_API_RETENTION_DAYS: String(config.logApiRetentionDays),
      LOG_API_MAX_ROWS: String(config.logApiMaxRows),
      LOG_API_FLUSH_MS: String(config.logApiFlushMs),
      LOG_API_PRUNE_INTERVAL_MS: String(config.logApiPruneIntervalMs),
      DEMO_DATA: String(config.demoData),
      MAX_BODY_BYTES: String(config.maxBodyBytes),
      SHUTDOWN_TIMEOUT_MS: String(config.shutdownTimeoutMs),
      TELEMETRY_FLUSH_TIMEOUT_MS: String(config.telemetryFlushTimeoutMs),
      SESSION_TTL: config.sessionTtlMs === 7 * 86_400_000 ? "7d" : String(config.sessionTtlMs),
      ADMIN_USERNAME: config.adminUsername,
      LOG_API_PUBLIC: String(config.logApiPublic),
      RATE_LIMIT_LOGIN: rate(config.rateLimitLogin),
      RATE_LIMIT_LOGIN_USER: rate(config.rateLimitLoginUser),
      RATE_LIMIT_REGISTER: rate(config.rateLimitRegister),
      RATE_LIMIT_POST: rate(config.rateLimitPost),
      RATE_LIMIT_SEARCH: rate(config.rateLimitSearch),
    };
    // Defaults described in words: nothing configured.
    assert.equal(config.adminPassword, undefined);
    assert.deepEqual(config.corsAllowedOrigins, []);
    for (const { env, defaultText } of await declaredOptions()) {
      if (env === "ADMIN_PASSWORD" || env === "CORS_ALLOWED_ORIGINS") continue;
      if (env === "DB_PATH") {
        assert.ok(defaultText.startsWith("otel-board.db"), defaultText);
        continue;
      }
      assert.ok(env in actual, `test does not know the default of ${env}`);
      assert.equal(defaultText, actual[env], env);
    }
  },
});

Deno.test({
  name: "helpText names the flags --port, --host, --db, --help and --version",
  fn() {
    const help = helpText();
    for (const flag of ["--port", "--host", "--db", "--help", "--version"]) {
      assert.ok(help.includes(flag), flag);
    }
    assert.ok(help.endsWith("\n"));
  },
});

Deno.test({
  name: "versionText contains the version from deno.json",
  async fn() {
    const denoJson = JSON.parse(
      await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
    ) as { version: string };
    assert.ok(denoJson.version.length > 0);
    const text = versionText();
    assert.ok(text.includes(denoJson.version), text);
    assert.ok(text.startsWith("otel-board "), text);
    assert.ok(text.endsWith("\n"));
  },
});

Deno.test({
  name: "defaultDbPath is beside a compiled Windows binary",
  fn() {
    const runtime: RuntimeFacts = {
      standalone: true,
      execPath: "C:\\Program Files\\otel-board\\otel-board.exe",
      os: "windows",
    };
    assert.equal(defaultDbPath(runtime), "C:\\Program Files\\otel-board\\otel-board.db");
  },
});

Deno.test({
  name: "defaultDbPath is beside a compiled Linux binary",
  fn() {
    const runtime: RuntimeFacts = {
      standalone: true,
      execPath: "/opt/otel-board/otel-board",
      os: "linux",
    };
    assert.equal(defaultDbPath(runtime), "/opt/otel-board/otel-board.db");
  },
});

Deno.test({
  name: "defaultDbPath is otel-board.db in the working directory when not compiled",
  fn() {
    assert.equal(defaultDbPath(LINUX_DEV), "otel-board.db");
    assert.equal(
      defaultDbPath({ standalone: false, execPath: "C:\\deno\\deno.exe", os: "windows" }),
      "otel-board.db",
    );
  },
});

Deno.test("--db= with an empty value is refused at start-up, naming the flag", () => {
  assert.throws(
    () => loadConfig({}, ["--db="], { standalone: false, execPath: "/usr/bin/deno", os: "linux" }),
    (error: unknown) =>
      error instanceof ConfigError && /--db must be a file path/.test(error.message),
  );
});

/** A rate limit written as its setting, e.g. "10/1m". */
function rate(limit: { limit: number; windowMs: number }): string {
  const units: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], [
    "s",
    1000,
  ]];
  const [unit, ms] = units.find(([, size]) => limit.windowMs % size === 0)!;
  return `${limit.limit}/${limit.windowMs / ms}${unit}`;
}

Deno.test("SESSION_TTL above 400 days (a browser cookie's limit) is refused at start-up", () => {
  const runtime = { standalone: false, execPath: "/usr/bin/deno", os: "linux" } as const;
  assert.throws(
    () => loadConfig({ SESSION_TTL: "401d" }, [], runtime),
    (error: unknown) =>
      error instanceof ConfigError && /SESSION_TTL must be at most 400d/.test(error.message),
  );
  const ok = loadConfig({ SESSION_TTL: "400d" }, [], runtime);
  assert.equal(ok.action === "serve" && ok.config.sessionTtlMs, 400 * 86_400_000);
});
