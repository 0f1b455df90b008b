/**
 * @module The shipped Grafana dashboards as tests read them (panels, queries, variables), and
 * the check that every metric and label their queries use is in a given exposition.
 */

import { join } from "node:path";
import { ROOT } from "./root.ts";
import type { PromFamily } from "./prometheus.ts";
import { promqlRefs } from "./promql_refs.ts";

/** The two variants: a direct scrape of otel-board's /metrics, and the Collector's exporter. */
export const DASHBOARDS = {
  direct: join(ROOT, "deploy/grafana/otel-board.json"),
  collector: join(ROOT, "deploy/grafana/otel-board.collector.json"),
} as const;

/** A panel query. */
export interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly format?: string;
  readonly legendFormat?: string;
  readonly datasource?: { type?: string; uid?: string };
}

/** A panel or a row (whose `panels` hold its children when collapsed). */
export interface Panel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly gridPos?: { x: number; y: number; w: number; h: number };
  readonly datasource?: { type?: string; uid?: string };
  readonly targets?: Target[];
  readonly panels?: Panel[];
}

/** A template variable. */
export interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { query?: string };
  readonly datasource?: { type?: string; uid?: string };
}

/** The parts of a dashboard the tests read. */
export interface Dashboard {
  readonly uid?: string;
  readonly title?: string;
  readonly description?: string;
  readonly schemaVersion?: number;
  readonly panels: Panel[];
  readonly templating: { list: Variable[] };
}

/** Reads a dashboard JSON file. */
export function loadDashboard(path: string): Dashboard {
  return JSON.parse(Deno.readTextFileSync(path)) as Dashboard;
}

/** The rows, and the panels that show data (those of collapsed rows included). */
export function splitPanels(panels: readonly Panel[]): { rows: Panel[]; panels: Panel[] } {
  const rows = panels.filter((p) => p.type === "row");
  const shown = panels.flatMap((p) => p.type === "row" ? (p.panels ?? []) : [p]);
  return { rows, panels: shown };
}

/** A variable's query text, whichever of Grafana's two shapes it is stored in. */
export function variableQuery(variable: Variable): string {
  return typeof variable.query === "string" ? variable.query : variable.query?.query ?? "";
}

/** The family a sample or family name belongs to, if the exposition has it. */
export function familyOf(
  families: ReadonlyMap<string, PromFamily>,
  name: string,
): PromFamily | undefined {
  const direct = families.get(name);
  if (direct !== undefined) return direct;
  const suffix = /_(bucket|sum|count)$/.exec(name);
  if (suffix !== null) {
    const family = families.get(name.slice(0, suffix.index));
    const histogram = family?.type === "histogram";
    const summary = family?.type === "summary" && suffix[1] !== "bucket";
    if (histogram || summary) return family;
  }
  return [...families.values()].find((f) => f.samples.some((s) => s.name === name));
}

/** The label names `name`'s samples carry, plus `job` and `instance` (a scrape adds them). */
export function labelsOf(family: PromFamily, name: string): Set<string> {
  const labels = new Set(["job", "instance"]);
  for (const sample of family.samples) {
    if (sample.name !== name && family.name !== name) continue;
    for (const label of Object.keys(sample.labels)) labels.add(label);
  }
  return labels;
}

/** What a dashboard refers to and what of it an exposition lacks. */
export interface ReferenceCheck {
  /** Every metric name the panel queries use. */
  readonly used: Set<string>;
  /** One sentence per metric, label or variable metric the exposition lacks. */
  readonly problems: string[];
}

/**
 * Checks every panel query and query variable of `dashboard` against `families`: each metric
 * name must be a family (or a histogram's `_bucket`/`_sum`/`_count`), each `{…}` label one its
 * samples carry, each `by`/`on`/… label one that some metric of the query carries.
 */
export function checkReferences(
  dashboard: Dashboard,
  families: ReadonlyMap<string, PromFamily>,
): ReferenceCheck {
  const used = new Set<string>();
  const problems: string[] = [];
  for (const panel of splitPanels(dashboard.panels).panels) {
    for (const target of panel.targets ?? []) {
      const expr = target.expr ?? "";
      const refs = promqlRefs(expr);
      if (refs.metrics.length === 0) problems.push(`"${panel.title}": ${expr} names no metric`);
      const available = new Set<string>();
      for (const name of refs.metrics) {
        used.add(name);
        const family = familyOf(families, name);
        if (family === undefined) {
          problems.push(`"${panel.title}": ${name} is not in the exposition`);
          continue;
        }
        const labels = labelsOf(family, name);
        for (const label of labels) available.add(label);
        for (const label of refs.matcherLabels.get(name)!) {
          if (!labels.has(label)) problems.push(`"${panel.title}": ${name} has no label ${label}`);
        }
      }
      for (const label of refs.groupingLabels) {
        if (!available.has(label)) {
          problems.push(`"${panel.title}": no metric of ${expr} has ${label}`);
        }
      }
    }
  }
  for (const variable of dashboard.templating.list.filter((v) => v.type === "query")) {
    const metric = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(variableQuery(variable));
    if (metric === null) problems.push(`variable ${variable.name} reads no metric's label values`);
    else if (familyOf(families, metric[1]!) === undefined) {
      problems.push(`variable ${variable.name}: ${metric[1]} is not in the exposition`);
    }
  }
  return { used, problems };
}
