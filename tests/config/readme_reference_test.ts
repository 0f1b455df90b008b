/**
 * @module Tests that README.md's table of every span, metric and log record names what a real
 * otel-board exports (decoded by the independent OTLP receiver), so the table cannot drift.
 */

import assert from "node:assert/strict";
import {
  exportAfterEveryCounter,
  type ExportedSignals,
} from "../../testing/every_counter_traffic.ts";
import { type PostgresCluster, startPostgres } from "../../testing/postgres.ts";

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
const HEADING = "### Every span, metric and log record";

/** One row of the reference table: raw cells by column name. */
type Row = Record<"signal" | "name" | "kind" | "unit" | "when" | "attributes", string>;

function referenceTable(): Row[] {
  const at = README.indexOf(`\n${HEADING}\n`);
  assert.ok(at !== -1, `README has no "${HEADING}"`);
  const start = README.indexOf("\n|", at) + 1;
  const end = README.indexOf("\n\n", start);
  const [header, _rule, ...lines] = README.slice(start, end).split("\n");
  const cells = (line: string) => line.slice(1, -1).split("|").map((cell) => cell.trim());
  const names = cells(header!);
  return lines.map((line) => Object.fromEntries(cells(line).map((c, i) => [names[i], c])) as Row);
}

/** The `code` spans of a cell, without backticks (`db.system.name=sqlite` gives the key too). */
function codes(cell: string): Set<string> {
  const found = new Set<string>();
  for (const match of cell.matchAll(/`([^`]+)`/g)) {
    found.add(match[1]!);
    found.add(match[1]!.split("=")[0]!);
  }
  return found;
}

const OLD_NAMES_TOO = { OTEL_SEMCONV_STABILITY_OPT_IN: "http/dup,database/dup" };

let exported: Promise<ExportedSignals> | undefined;
/** One real export for all the SQLite tests of this file (with the old names too). */
function exportedOnce(): Promise<ExportedSignals> {
  exported ??= exportAfterEveryCounter(OLD_NAMES_TOO);
  return exported;
}

const cluster: PostgresCluster | undefined = await startPostgres();
let exportedOnPostgres: Promise<ExportedSignals> | undefined;
/** The same traffic's export from otel-board on PostgreSQL (DATABASE_URL). */
function exportedOnceOnPostgres(): Promise<ExportedSignals> {
  exportedOnPostgres ??= cluster!.freshDatabase().then((url) =>
    exportAfterEveryCounter({ ...OLD_NAMES_TOO, DATABASE_URL: url })
  );
  return exportedOnPostgres;
}

Deno.test("README's reference table has one row per line, each with a signal, a name and a kind", () => {
  const rows = referenceTable();
  assert.ok(rows.length > 20, `${rows.length} rows`);
  for (const row of rows) {
    assert.ok(["span", "metric", "log"].includes(row.signal), `signal of ${row.name}`);
    assert.notEqual(row.name, "", "a name");
    assert.notEqual(row.kind, "", `a kind for ${row.name}`);
  }
});

Deno.test("Every metric otel-board exports is in README's reference table with its unit and its attributes", async () => {
  metricsAreListed(await exportedOnce());
});

function metricsAreListed({ metrics }: ExportedSignals): void {
  const rows = referenceTable().filter((row) => row.signal === "metric");
  assert.ok(metrics.length > 0, "the export holds metrics");
  for (const metric of metrics) {
    const row = rows.find((r) => codes(r.name).has(metric.name));
    assert.ok(row !== undefined, `README's reference table has no row for ${metric.name}`);
    const units = row.unit.split(",").map((u) => u.trim());
    assert.ok(
      units.includes(metric.unit),
      `${metric.name}: unit ${metric.unit}, README ${row.unit}`,
    );
    const listed = codes(row.attributes);
    for (const key of Object.keys(metric.attributes)) {
      assert.ok(listed.has(key), `${metric.name}: README does not list its attribute ${key}`);
    }
  }
}

Deno.test("Every span otel-board exports is in README's reference table: service span names, and every attribute by kind", async () => {
  spansAreListed(await exportedOnce());
});

function spansAreListed({ spans }: ExportedSignals): void {
  const rows = referenceTable().filter((row) => row.signal === "span");
  const internalNames = new Set(
    rows.filter((r) => r.kind === "INTERNAL").flatMap((r) => [...codes(r.name)]),
  );
  for (const kind of ["SERVER", "CLIENT", "INTERNAL"] as const) {
    const ofKind = spans.filter((s) => s.kind === kind);
    assert.ok(ofKind.length > 0, `the export holds ${kind} spans`);
    const listed = new Set(
      rows.filter((r) => r.kind === kind).flatMap((r) => [...codes(r.attributes)]),
    );
    for (const span of ofKind) {
      if (kind === "INTERNAL") {
        assert.ok(internalNames.has(span.name), `README does not list the span ${span.name}`);
      }
      for (const key of Object.keys(span.attributes)) {
        assert.ok(listed.has(key), `${kind} span ${span.name}: README does not list ${key}`);
      }
    }
  }
}

Deno.test("README's reference table lists the access and start-up records' attributes", async () => {
  logRecordsAreListed(await exportedOnce());
});

function logRecordsAreListed({ logs }: ExportedSignals): void {
  const rows = referenceTable().filter((row) => row.signal === "log");
  const access = logs.filter((l) => typeof l.attributes["url.path"] === "string");
  const startup = logs.filter((l) => String(l.body).startsWith("Listening on http://"));
  for (
    const [records, name] of [[access, "access record"], [startup, "start-up record"]] as const
  ) {
    assert.ok(records.length > 0, `the export holds a ${name}`);
    const row = rows.find((r) => r.name.startsWith(name));
    assert.ok(row !== undefined, `README's reference table has a row for the ${name}`);
    const listed = codes(row.attributes);
    for (const record of records) {
      for (const key of Object.keys(record.attributes)) {
        if (key === "code.file.path") continue; // every record's, said above the table
        assert.ok(listed.has(key), `${name}: README does not list ${key}`);
      }
    }
  }
}

Deno.test({
  name: "On PostgreSQL too, every metric, span attribute and start-up attribute is in the table",
  ignore: cluster === undefined,
  async fn() {
    try {
      const signals = await exportedOnceOnPostgres();
      metricsAreListed(signals);
      spansAreListed(signals);
      logRecordsAreListed(signals);
      assert.ok(signals.metrics.some((m) => m.name === "db.client.connection.count"));
    } finally {
      await cluster![Symbol.asyncDispose]();
    }
  },
});
