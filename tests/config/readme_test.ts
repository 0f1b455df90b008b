/** @module Tests that README.md's settings tables say what the settings tables say: variable, flag, default. */

import assert from "node:assert/strict";
import { otelSettings, serviceSettings } from "../../config/help.ts";
import type { Setting } from "../../config/types.ts";

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));

/** One row of a README table, cells trimmed and without code backticks. */
type Row = Record<string, string>;

/** The first Markdown table after `heading` (and after `within`, when given). */
function tableAfter(heading: string, within?: string): Row[] {
  const from = within === undefined ? 0 : README.indexOf(`\n${within}\n`);
  assert.ok(from !== -1, `README has no "${within}"`);
  const at = README.indexOf(`\n${heading}\n`, from);
  assert.ok(at !== -1, `README has no "${heading}"`);
  const start = README.indexOf("\n|", at) + 1;
  const end = README.indexOf("\n\n", start);
  const [header, _rule, ...rows] = README.slice(start, end).split("\n");
  const cells = (line: string) =>
    line.slice(1, -1).split("|").map((cell) => cell.trim().replaceAll("`", ""));
  const names = cells(header!);
  return rows.map((row) => Object.fromEntries(cells(row).map((cell, i) => [names[i], cell])));
}

function expectedRow(setting: Setting<unknown>, withFlag: boolean): Row {
  return {
    variable: setting.env,
    ...(withFlag ? { flag: setting.flag ?? "" } : {}),
    default: setting.defaultText,
  };
}

function shown(rows: Row[], withFlag: boolean): Row[] {
  return rows.map((row) => ({
    variable: row.variable ?? "",
    ...(withFlag ? { flag: row.flag ?? "" } : {}),
    default: row.default ?? "",
  }));
}

Deno.test("README's Configuration table lists every service setting with its flag and default", () => {
  const rows = tableAfter("## Configuration");
  assert.deepEqual(shown(rows, true), serviceSettings().map((s) => expectedRow(s, true)));
  for (const row of rows) assert.ok((row.meaning ?? "") !== "", `${row.variable} has no meaning`);
});

Deno.test("README's telemetry Settings table lists every OTEL_* setting with its default", () => {
  const service = new Map(serviceSettings().map((s) => [s.env, s]));
  // A service setting may be repeated there, beside the OTEL_* ones it belongs with.
  const rows = tableAfter("### Settings", "## Telemetry");
  const otelRows = rows.filter((row) => !service.has(row.variable ?? ""));
  assert.deepEqual(shown(otelRows, false), otelSettings().map((s) => expectedRow(s, false)));
  for (const row of rows.filter((row) => service.has(row.variable ?? ""))) {
    assert.equal(row.default, service.get(row.variable!)!.defaultText, row.variable);
  }
});
