/** @module Tests for `--help` and `--version`, written from the settings tables. */

import assert from "node:assert/strict";
import { helpText, otelSettings, serviceSettings, versionText } from "../../config/help.ts";
import { parseSettings } from "../../config/load.ts";
import { ConfigError } from "../../config/types.ts";
import { LINUX_DEV, serve } from "./_load.ts";

/** The variable and default of every service setting, as the table declares them. */
function declaredOptions(): { env: string; defaultText: string }[] {
  return serviceSettings().map(({ env, defaultText }) => ({ env, defaultText }));
}

Deno.test("The settings tables list exactly the variables parseSettings reads", () => {
  const reads = new Set<string>();
  const env = new Proxy({} as Record<string, string>, {
    get(_target, key) {
      if (typeof key === "string") reads.add(key);
      return undefined;
    },
  });
  parseSettings(env, new Map(), LINUX_DEV);
  const declared = [...serviceSettings(), ...otelSettings()].map((s) => s.env);
  assert.equal(new Set(declared).size, declared.length, "a variable is declared twice");
  assert.deepEqual([...reads].sort(), declared.sort());
});

Deno.test("--help lists every OTEL_* variable with its default", () => {
  const lines = helpText().split("\n");
  for (const { env, defaultText } of otelSettings()) {
    const at = lines.findIndex((line) => line === `  ${env}`);
    assert.ok(at !== -1, `${env} is missing from --help`);
    assert.ok(lines[at + 1]!.endsWith(`. Default: ${defaultText}`), `${env}: ${lines[at + 1]}`);
  }
});

Deno.test({
  name: "helpText lists every environment variable loadConfig reads, with its default",
  fn() {
    const options = declaredOptions();
    assert.ok(options.length >= 12, `found only ${options.length} service settings`);
    const help = helpText();
    const lines = help.split("\n");
    for (const { env, defaultText } of options) {
      const at = lines.findIndex((line) => line.trimStart().startsWith(`${env}=`));
      assert.ok(at !== -1, `${env} is missing from --help`);
      const entry = lines.slice(at, at + 2).join("\n");
      assert.ok(entry.includes(`Default: ${defaultText}`), `${env}: ${entry}`);
    }
    for (const name of ["PORT", "HOST", "DB_PATH", "TRUSTED_PROXIES", "LOG_LEVEL", "LOG_FORMAT"]) {
      assert.ok(options.some((o) => o.env === name), `the table lacks ${name}`);
    }
    for (const name of ["LOG_API_RETENTION_DAYS", "LOG_API_MAX_ROWS", "DEMO_DATA"]) {
      assert.ok(options.some((o) => o.env === name), `the table lacks ${name}`);
    }
    assert.ok(options.some((o) => o.env === "MAX_BODY_BYTES"));
  },
});

Deno.test({
  name: "every variable in the settings table is actually read by loadConfig",
  fn() {
    // A variable set to garbage must either be refused naming it or change the config.
    const baseline = JSON.stringify(serve({}));
    for (const { env } of declaredOptions()) {
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
  fn() {
    const config = serve({});
    const actual: Record<string, string> = {
      PORT: String(config.server.port),
      HOST: config.server.host,
      SQLITE_SYNCHRONOUS: config.database.synchronous,
      TRUSTED_PROXIES: config.server.trustedProxies.map((b) => b.text).join(","),
      LOG_LEVEL: config.log.level,
      LOG_FORMAT: config.log.format,
      LOG_ACCESS: config.log.access,
      LOG_API_RETENTION_DAYS: String(config.logApi.retentionDays),
      LOG_API_MAX_ROWS: String(config.logApi.maxRows),
      LOG_API_FLUSH_MS: String(config.logApi.flushMs),
      LOG_API_PRUNE_INTERVAL_MS: String(config.logApi.pruneIntervalMs),
      DEMO_DATA: String(config.database.demoData),
      DATABASE_POOL_SIZE: String(config.database.poolSize),
      MAX_BODY_BYTES: String(config.server.maxBodyBytes),
      SHUTDOWN_TIMEOUT_MS: String(config.server.shutdownTimeoutMs),
      TELEMETRY_FLUSH_TIMEOUT_MS: String(config.telemetry.flushTimeoutMs),
      TRACES_KEEP_ERRORS: String(config.telemetry.keepErrors),
      TRACES_KEEP_ERRORS_MAX_TRACES: String(config.telemetry.keepErrorsMaxTraces),
      TRACES_KEEP_ERRORS_MAX_SPANS: String(config.telemetry.keepErrorsMaxSpans),
      TRACES_KEEP_ERRORS_TIMEOUT_MS: String(config.telemetry.keepErrorsTimeoutMs),
      SESSION_TTL: config.accounts.sessionTtlMs === 7 * 86_400_000
        ? "7d"
        : String(config.accounts.sessionTtlMs),
      ADMIN_USERNAME: config.accounts.adminUsername,
      LOG_API_PUBLIC: String(config.logApi.public),
      RATE_LIMIT_LOGIN: rate(config.rateLimits.login),
      RATE_LIMIT_LOGIN_USER: rate(config.rateLimits.loginUser),
      RATE_LIMIT_REGISTER: rate(config.rateLimits.register),
      RATE_LIMIT_POST: rate(config.rateLimits.post),
      RATE_LIMIT_SEARCH: rate(config.rateLimits.search),
      RATE_LIMIT_RUM: rate(config.rateLimits.rum),
      RUM_CONTEXT_MAX_AGE: config.pages.rumContextMaxAgeMs === 600_000
        ? "10m"
        : String(config.pages.rumContextMaxAgeMs),
    };
    // Defaults described in words: nothing configured.
    assert.equal(config.accounts.adminPassword, undefined);
    assert.equal(config.accounts.adminPasswordFile, undefined, "derived from DB_PATH where used");
    assert.deepEqual(config.server.corsAllowedOrigins, []);
    assert.equal(config.pages.displayTimeZone, undefined, "the machine's zone, read where used");
    assert.equal(config.pages.traceUrlTemplate, undefined);
    assert.equal(
      config.pages.rumSigningKey,
      undefined,
      "a random key per process, made where used",
    );
    assert.equal(config.database.url, undefined, "SQLite unless DATABASE_URL is set");
    assert.equal(config.database.passwordFile, undefined);
    assert.equal(config.database.pgPassword, undefined);
    const inWords = [
      "ADMIN_PASSWORD",
      "ADMIN_PASSWORD_FILE",
      "CORS_ALLOWED_ORIGINS",
      "DISPLAY_TIMEZONE",
      "TRACE_URL_TEMPLATE",
      "RUM_SIGNING_KEY",
      "DATABASE_URL",
      "DATABASE_PASSWORD_FILE",
      "PGPASSWORD",
    ];
    for (const { env, defaultText } of declaredOptions()) {
      if (inWords.includes(env)) continue;
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
      await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
    ) as { version: string };
    assert.ok(denoJson.version.length > 0);
    const text = versionText();
    assert.ok(text.includes(denoJson.version), text);
    assert.ok(text.startsWith("otel-board "), text);
    assert.ok(text.endsWith("\n"));
  },
});

/** A rate limit written as its setting, e.g. "10/1m". */
function rate(limit: { limit: number; windowMs: number } | null): string {
  if (limit === null) return "off";
  const units: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], [
    "s",
    1000,
  ]];
  const [unit, ms] = units.find(([, size]) => limit.windowMs % size === 0)!;
  return `${limit.limit}/${limit.windowMs / ms}${unit}`;
}
