/** @module Tests that the OTEL_* table lists exactly what is read, with defaults that hold. */

import assert from "node:assert/strict";
import { otelSettings } from "../../config/help.ts";
import { OTEL_SETTINGS } from "../../config/otel_settings.ts";
import { parse, perSignal, SIGNALS } from "./_otel.ts";

const OTEL_TABLE = otelSettings();

Deno.test("The OTEL_* table is frozen and names each variable once", () => {
  assert.ok(Object.isFrozen(OTEL_SETTINGS));
  assert.ok(OTEL_TABLE.every((s) => Object.isFrozen(s)));
  const names = OTEL_TABLE.map((s) => s.env);
  assert.equal(new Set(names).size, names.length);
  for (const setting of OTEL_TABLE) {
    assert.ok(setting.defaultText.length > 0, setting.env);
    assert.ok(setting.help.length > 0, setting.env);
  }
});

Deno.test("The OTEL_* table lists every OTEL variable named in config/otel_settings.ts", async () => {
  const source = await Deno.readTextFile(new URL("../../config/otel_settings.ts", import.meta.url));
  // Every variable name (OTEL_SETTINGS itself is the table's name, not a variable).
  const inSource = new Set(source.match(/OTEL_[A-Z][A-Z_]*/g));
  inSource.delete("OTEL_SETTINGS");
  assert.deepEqual(
    [...inSource].sort(),
    OTEL_TABLE.map((s) => s.env).sort(),
  );
});

Deno.test("The OTEL_* table lists exactly the variables the parser reads", () => {
  const reads = new Set<string>();
  const env = new Proxy({} as Record<string, string>, {
    get(_target, key) {
      if (typeof key === "string") reads.add(key);
      return undefined;
    },
  });
  parse(env);
  assert.deepEqual([...reads].sort(), OTEL_TABLE.map((s) => s.env).sort());
});

Deno.test("A default shown in the OTEL_* table gives the same config as leaving it unset", () => {
  const literal = OTEL_TABLE.filter((s) => /^[a-z0-9_/:.,]+$/i.test(s.defaultText));
  const checked = literal.filter((s) =>
    !s.defaultText.startsWith("OTEL_") && s.env !== "OTEL_DENO"
  );
  assert.ok(checked.length >= 12, `only ${checked.length} settings checked`);
  for (const setting of checked) {
    assert.deepEqual(parse({ [setting.env]: setting.defaultText }), parse({}), setting.env);
  }
});

// --help text -------------------------------------------------------------------------------

Deno.test("The OTEL_* table covers every signal and explains the metric interval rules", () => {
  const byName = new Map(OTEL_TABLE.map((s) => [s.env, s]));
  for (
    const suffix of ["PROTOCOL", "ENDPOINT", "HEADERS", "TIMEOUT", "COMPRESSION", "CERTIFICATE"]
  ) {
    for (const name of perSignal(suffix)) assert.ok(byName.has(name), name);
  }
  for (const { signal } of SIGNALS) {
    assert.equal(
      byName.get(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`)?.defaultText,
      `OTEL_EXPORTER_OTLP_ENDPOINT + /v1/${signal}`,
    );
  }
  assert.match(byName.get("OTEL_METRICS_EXPORTER")!.help, /prometheus/);
  assert.doesNotMatch(byName.get("OTEL_LOGS_EXPORTER")!.help, /prometheus/);
  const interval = byName.get("OTEL_METRIC_EXPORT_INTERVAL")!;
  assert.equal(interval.defaultText, "60000");
  assert.match(interval.help, /the original app used 500/);
  const timeout = byName.get("OTEL_METRIC_EXPORT_TIMEOUT")!;
  assert.match(timeout.defaultText, /^30000, or OTEL_METRIC_EXPORT_INTERVAL if that is less$/);
  assert.match(timeout.help, /not more than OTEL_METRIC_EXPORT_INTERVAL/);
  // Help lines end without a full stop: --help appends ". Default: …".
  for (const setting of OTEL_TABLE) assert.ok(!setting.help.endsWith("."), setting.env);
});
