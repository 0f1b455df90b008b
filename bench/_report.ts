/** @module Benchmark output: medians, Markdown tables, printing, and sections of bench/RESULTS.md. */

import { fileURLToPath } from "node:url";
import type { Machine } from "./_proc.ts";

/** bench/RESULTS.md. */
export const RESULTS_PATH: string = fileURLToPath(new URL("./RESULTS.md", import.meta.url));

const encoder = new TextEncoder();

/** Writes `text` and a newline to stdout (the lint config bans console). */
export function print(text = ""): void {
  Deno.stdout.writeSync(encoder.encode(`${text}\n`));
}

/** The median of `values` (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A number with `digits` decimals, or "–" when not a finite number. */
export function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

/** Bytes as MB (10^6), one decimal. */
export function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? "–" : (bytes / 1e6).toFixed(1);
}

/** A Markdown table with a header row. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The machine as a Markdown list. */
export function machineLines(machine: Machine, idleLoad: readonly number[]): string[] {
  const load = idleLoad.length === 0
    ? ""
    : ` — other work on the machine while the servers sat idle: ${
      idleLoad.map((l) => `${Math.round(l * 100)}%`).join(", ")
    } of all cores`;
  return [
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${
      (machine.ramBytes / 2 ** 30).toFixed(1)
    } GiB RAM, Linux ${machine.kernel}${load}`,
    `- Deno ${machine.deno} (V8 ${machine.v8}), wrk ${machine.wrk}`,
    `- Date: ${new Date().toISOString()}`,
  ];
}

/**
 * Replaces the section named `name` of bench/RESULTS.md (between its HTML comment markers)
 * with `body`, keeping the other sections; appends it when absent.
 */
export function writeResultsSection(name: string, body: string, path = RESULTS_PATH): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  let text = "";
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from >= 0 && to > from) {
    text = text.slice(0, from) + block + text.slice(to + end.length);
  } else {
    if (text === "") text = "# otel-board benchmark results\n";
    text = `${text.trimEnd()}\n\n${block}\n`;
  }
  Deno.writeTextFileSync(path, text.endsWith("\n") ? text : `${text}\n`);
}
