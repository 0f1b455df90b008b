/** @module Tests for reading the service's own settings from the environment and flags. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { helpText } from "../../config/help.ts";
import { loadConfig } from "../../config/load.ts";
import { defaultDbPath } from "../../config/settings.ts";
import { ConfigError, type RuntimeFacts } from "../../config/types.ts";
import { configError, LINUX_DEV, serve } from "./_load.ts";

Deno.test({
  name: "loadConfig with no settings gives the documented defaults",
  fn() {
    const config = serve({});
    assert.equal(config.server.port, 5000);
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.database.path, join(Deno.cwd(), "otel-board.db"));
    assert.equal(config.database.synchronous, "normal");
    assert.deepEqual(config.server.trustedProxies.map((b) => b.text), ["127.0.0.1/32", "::1/128"]);
    assert.equal(config.log.level, "info");
    assert.equal(config.log.format, "json");
    assert.equal(config.logApi.retentionDays, 30);
    assert.equal(config.logApi.maxRows, 1_000_000);
    assert.equal(config.logApi.flushMs, 100);
    assert.equal(config.logApi.pruneIntervalMs, 60_000);
    assert.equal(config.database.demoData, true);
    assert.equal(config.server.maxBodyBytes, 65_536);
    assert.equal(config.server.shutdownTimeoutMs, 10_000);
  },
});

Deno.test({
  name: "loadConfig resolves the default database path to an absolute path in the cwd",
  fn() {
    const config = serve({});
    assert.ok(config.database.path.startsWith("/"), config.database.path);
    assert.equal(config.database.path, join(Deno.cwd(), "otel-board.db"));
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
    assert.equal(serve({}, [], runtime).database.path, "/opt/otel-board/otel-board.db");
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
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.host, "0.0.0.0");
    assert.equal(config.database.path, "/var/lib/otel-board/board.db");
    assert.equal(config.database.synchronous, "full");
    assert.deepEqual(config.server.trustedProxies.map((b) => b.text), ["10.0.0.0/8", "fd00::/8"]);
    assert.equal(config.log.level, "debug");
    assert.equal(config.log.format, "text");
    assert.equal(config.logApi.retentionDays, 0);
    assert.equal(config.logApi.maxRows, 500);
    assert.equal(config.logApi.flushMs, 250);
    assert.equal(config.logApi.pruneIntervalMs, 1000);
    assert.equal(config.database.demoData, false);
    assert.equal(config.server.maxBodyBytes, 1024);
    assert.equal(config.server.shutdownTimeoutMs, 0);
  },
});

Deno.test({
  name: "DEMO_DATA accepts true/false/1/0 in any case",
  fn() {
    for (const [raw, expected] of [["TRUE", true], ["1", true], ["False", false], ["0", false]]) {
      assert.equal(serve({ DEMO_DATA: String(raw) }).database.demoData, expected, String(raw));
    }
  },
});

Deno.test("DEMO_DATA and LOG_API_PUBLIC accept surrounding blanks, as every boolean does", () => {
  assert.equal(serve({ DEMO_DATA: " 0 " }).database.demoData, false);
  assert.equal(serve({ DEMO_DATA: " TRUE\n" }).database.demoData, true);
  assert.equal(serve({ LOG_API_PUBLIC: " TRUE " }).logApi.public, true);
  assert.equal(serve({ LOG_API_PUBLIC: "1" }).logApi.public, true);
  assert.match(configError({ LOG_API_PUBLIC: "yes" }), /^LOG_API_PUBLIC must be true or false/);
});

Deno.test({
  name: "--port, --port=, --host and --db win over the environment",
  fn() {
    const env = { PORT: "7000", HOST: "0.0.0.0", DB_PATH: "/env/board.db" };
    assert.equal(serve(env, ["--port", "6000"]).server.port, 6000);
    assert.equal(serve(env, ["--port=6000"]).server.port, 6000);
    assert.equal(serve(env, ["--host", "::1"]).server.host, "::1");
    assert.equal(serve(env, ["--host=localhost"]).server.host, "localhost");
    assert.equal(serve(env, ["--db", "/flag/board.db"]).database.path, "/flag/board.db");
    assert.equal(serve(env, ["--db=/flag/eq.db"]).database.path, "/flag/eq.db");
    const all = serve(env, ["--port", "6001", "--host", "127.0.0.2", "--db", "rel.db"]);
    assert.equal(all.server.port, 6001);
    assert.equal(all.server.host, "127.0.0.2");
    assert.equal(all.database.path, join(Deno.cwd(), "rel.db"));
  },
});

Deno.test({
  name: "the environment is used for settings no flag overrides",
  fn() {
    const config = serve({ PORT: "7000", HOST: "0.0.0.0" }, ["--port", "6000"]);
    assert.equal(config.server.port, 6000);
    assert.equal(config.server.host, "0.0.0.0");
  },
});

Deno.test({
  name: "a bracketed IPv6 host is accepted without its brackets",
  fn() {
    assert.equal(serve({ HOST: "[::1]" }).server.host, "::1");
  },
});

Deno.test({
  name: "DB_PATH=:memory: is kept as is and a relative DB_PATH is made absolute",
  fn() {
    assert.equal(serve({ DB_PATH: ":memory:" }).database.path, ":memory:");
    assert.equal(
      serve({ DB_PATH: "data/board.db" }).database.path,
      join(Deno.cwd(), "data/board.db"),
    );
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
    assert.equal(config.server.port, 5000);
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.database.path, join(Deno.cwd(), "otel-board.db"));
    assert.equal(config.database.synchronous, "normal");
    assert.equal(config.log.level, "info");
    assert.equal(config.log.format, "json");
    assert.equal(config.logApi.retentionDays, 30);
    assert.equal(config.logApi.maxRows, 1_000_000);
    assert.equal(config.database.demoData, true);
    assert.equal(config.server.maxBodyBytes, 65_536);
  },
});

Deno.test({
  name: "TRUSTED_PROXIES set to empty does what --help says (trust no proxy)",
  fn() {
    // --help documents "(empty: none)" for TRUSTED_PROXIES, but an empty variable counts as
    // unset, so the loopback defaults stay trusted. Help text and behaviour must agree.
    const helpPromisesNone = /TRUSTED_PROXIES[^\n]*\n[^\n]*empty: none/.test(helpText());
    const trusted = serve({ TRUSTED_PROXIES: "" }).server.trustedProxies.map((b) => b.text);
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
    assert.deepEqual(serve({ TRUSTED_PROXIES: "none" }).server.trustedProxies, []);
    assert.deepEqual(serve({ TRUSTED_PROXIES: " None " }).server.trustedProxies, []);
  },
});

Deno.test({
  name: "TRUSTED_PROXIES of only blanks trusts no proxy",
  fn() {
    assert.deepEqual(serve({ TRUSTED_PROXIES: " " }).server.trustedProxies, []);
  },
});

Deno.test({
  name: "the config object and its proxy list are frozen",
  fn() {
    const config = serve({});
    assert.ok(Object.isFrozen(config));
    for (const group of Object.values(config)) assert.ok(Object.isFrozen(group));
    assert.ok(Object.isFrozen(config.server.trustedProxies));
    assert.throws(() => {
      (config.server as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (config.server.trustedProxies as unknown[]).push(null);
    }, TypeError);
    assert.equal(config.server.port, 5000);
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

Deno.test("SESSION_TTL above 400 days (a browser cookie's limit) is refused at start-up", () => {
  const runtime = { standalone: false, execPath: "/usr/bin/deno", os: "linux" } as const;
  assert.throws(
    () => loadConfig({ SESSION_TTL: "401d" }, [], runtime),
    (error: unknown) =>
      error instanceof ConfigError && /SESSION_TTL must be at most 400d/.test(error.message),
  );
  const ok = loadConfig({ SESSION_TTL: "400d" }, [], runtime);
  assert.equal(ok.action === "serve" && ok.config.accounts.sessionTtlMs, 400 * 86_400_000);
});
