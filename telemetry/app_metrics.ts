/** @module The service's own counters: call-log rows and the health of its telemetry. */

import type { Meter, ObservableResult } from "@opentelemetry/api";
import type { DroppedItems } from "./drop_counter.ts";
import type { ExportStats, Signal } from "./otlp_exporter.ts";

/** Where the counters read their values (functions, so telemetry/ needs no service). */
export interface AppMetricSources {
  readonly auditStats: () => { readonly written: number; readonly failed: number };
  /** Export outcomes per signal (signals without OTLP export may be left out). */
  readonly exports: Partial<Record<Signal, () => ExportStats>>;
  /** Items dropped before export, by signal and reason. */
  readonly dropped: () => readonly DroppedItems[];
}

/**
 * Registers `app.log_api.rows.written` / `.failed`, `app.telemetry.export.failures` and
 * `app.telemetry.dropped` (by `signal` and `reason`) as observable counters; returns how to remove them.
 */
export function registerAppMetrics(meter: Meter, sources: AppMetricSources): { stop(): void } {
  const written = meter.createObservableCounter("app.log_api.rows.written", {
    unit: "{row}",
    description: "log_api rows written to the database.",
  });
  const failed = meter.createObservableCounter("app.log_api.rows.failed", {
    unit: "{row}",
    description: "log_api rows that could not be written (lost).",
  });
  const exportFailures = meter.createObservableCounter("app.telemetry.export.failures", {
    unit: "{item}",
    description: "Telemetry items in export requests the collector did not accept.",
  });
  const dropped = meter.createObservableCounter("app.telemetry.dropped", {
    unit: "{item}",
    description: "Telemetry items dropped before export: a full export queue " +
      "(reason queue_full), or spans TRACES_KEEP_ERRORS could not hold.",
  });
  const observeWritten = (result: ObservableResult) => result.observe(sources.auditStats().written);
  const observeFailed = (result: ObservableResult) => result.observe(sources.auditStats().failed);
  const observeExports = (result: ObservableResult) => {
    for (const [signal, stats] of Object.entries(sources.exports)) {
      result.observe(stats().failedItems, { signal });
    }
  };
  const observeDropped = (result: ObservableResult) => {
    for (const { signal, reason, items } of sources.dropped()) {
      result.observe(items, { signal, reason });
    }
  };
  written.addCallback(observeWritten);
  failed.addCallback(observeFailed);
  exportFailures.addCallback(observeExports);
  dropped.addCallback(observeDropped);
  return {
    stop() {
      written.removeCallback(observeWritten);
      failed.removeCallback(observeFailed);
      exportFailures.removeCallback(observeExports);
      dropped.removeCallback(observeDropped);
    },
  };
}

/** Business events the services report, as counters (no-ops without a meter). */
export interface AppEvents {
  readonly posts: { created(): void; updated(): void; deleted(): void };
  readonly accounts: { registered(): void; login(outcome: "success" | "failure"): void };
}

/**
 * `app.board.posts.created` / `.updated` / `.deleted`, `app.accounts.registrations` and
 * `app.accounts.logins` (by `outcome`), counted on `meter`.
 */
export function createAppEvents(meter: Meter | undefined): AppEvents {
  if (meter === undefined) {
    const nothing = () => {};
    return {
      posts: { created: nothing, updated: nothing, deleted: nothing },
      accounts: { registered: nothing, login: nothing },
    };
  }
  const posts = (what: string) =>
    meter.createCounter(`app.board.posts.${what}`, {
      unit: "{post}",
      description: `Posts ${what}.`,
    });
  const created = posts("created");
  const updated = posts("updated");
  const deleted = posts("deleted");
  const registrations = meter.createCounter("app.accounts.registrations", {
    unit: "{event}",
    description: "Accounts registered.",
  });
  const logins = meter.createCounter("app.accounts.logins", {
    unit: "{event}",
    description: "Sign-in attempts, by outcome (success or failure).",
  });
  return {
    posts: {
      created: () => created.add(1),
      updated: () => updated.add(1),
      deleted: () => deleted.add(1),
    },
    accounts: {
      registered: () => registrations.add(1),
      login: (outcome) => logins.add(1, { outcome }),
    },
  };
}
