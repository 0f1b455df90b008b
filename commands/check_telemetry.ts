/**
 * @module The `check-telemetry` command: sends one test span, metric point and log record to the
 * configured OTLP endpoints, through the service's own exporter, and says per signal whether it
 * was accepted or what failed and which setting to change.
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { parseSettings } from "../config/load.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "../config/service_identity.ts";
import { ConfigError } from "../config/types.ts";
import { EXIT_FAILED, EXIT_OK } from "../lib/exit_codes.ts";
import {
  buildCheckItems,
  CHECK_ATTRIBUTE,
  type CheckItemResult,
  type CheckItems,
  sendCheckItem,
} from "../telemetry/check_items.ts";
import { createLogger } from "../telemetry/log.ts";
import type { Signal } from "../telemetry/otlp_exporter.ts";
import { buildResource, currentProcess } from "../telemetry/resource.ts";
import { type AdviceContext, explainFailure, settingFor } from "./check_telemetry_advice.ts";
import { type Command, printOut } from "./command.ts";

const HELP = `Usage: ${SERVICE_NAME} check-telemetry

Sends one test span, one metric point and one log record to the OTLP endpoints the service
would use (the same OTEL_* settings, read the same way), and prints one line per signal:
OK, FAILED with what went wrong and the setting to change, or "not configured" when the
signal's exporter (OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER, OTEL_LOGS_EXPORTER) does not
include otlp. The test items carry the service's resource and ${CHECK_ATTRIBUTE}=true, and
the log record sits in the test span's trace. Header values are never printed.

Exit codes: 0 every OTLP signal was accepted, 1 one was not, 2 bad usage or setting.
`;

/** Resolves a host name, or throws when it cannot: the DNS step, injectable for tests. */
export type Resolver = (hostname: string) => Promise<unknown>;

/** Test seams: the resolver (default: the system's, as `fetch` resolves). */
export interface CheckTelemetryOptions {
  readonly resolve?: Resolver;
}

/** What the check found: one line per signal and whether every OTLP signal was accepted. */
export interface CheckReport {
  readonly lines: readonly string[];
  readonly ok: boolean;
}

const SIGNALS: readonly Signal[] = ["traces", "metrics", "logs"];
const EXPORTER_SETTING: Readonly<Record<Signal, string>> = {
  traces: "OTEL_TRACES_EXPORTER",
  metrics: "OTEL_METRICS_EXPORTER",
  logs: "OTEL_LOGS_EXPORTER",
};

/** `otel-board check-telemetry`. */
export const checkTelemetryCommand: Command = {
  name: "check-telemetry",
  summary: "Send one test span, metric point and log record; say what failed and what to change",
  async run(args, env) {
    if (args.includes("--help") || args.includes("-h")) return printOut(HELP);
    if (args.length > 0) {
      throw new ConfigError(
        `Unknown argument "${args[0]}": check-telemetry takes none (run with --help)`,
      );
    }
    const report = await checkTelemetry(env);
    printOut(report.lines.map((line) => `${line}\n`).join(""));
    return report.ok ? EXIT_OK : EXIT_FAILED;
  },
};

/**
 * Runs the check with the settings in `env`.
 * @throws {ConfigError} when a setting is invalid (as the service would refuse to start).
 */
export async function checkTelemetry(
  env: Readonly<Record<string, string>>,
  options: CheckTelemetryOptions = {},
): Promise<CheckReport> {
  const config = parseSettings(env);
  const telemetry = config.telemetry;
  if (telemetry.disabled) {
    return {
      lines: SIGNALS.map((signal) => `${label(signal)}not configured (OTEL_SDK_DISABLED=true)`),
      ok: true,
    };
  }
  const resource = buildResource({
    serviceName: telemetry.serviceName,
    serviceVersion: SERVICE_VERSION,
    attributes: telemetry.resourceAttributes,
  }, currentProcess());
  const items = await buildCheckItems(resource);
  const results = await Promise.all(
    SIGNALS.map((signal) =>
      checkSignal({ signal, env, config }, { items, resolve: options.resolve ?? lookup })
    ),
  );
  return {
    lines: [
      `Test items: service.name=${telemetry.serviceName}, ${CHECK_ATTRIBUTE}=true, ` +
      `trace id ${items.traceId}`,
      ...results.map((result) => result.line),
    ],
    ok: results.every((result) => result.ok),
  };
}

/** Checks the signal `context` names: not configured, the DNS step, then the test item. */
async function checkSignal(
  context: AdviceContext,
  { items, resolve }: { items: CheckItems; resolve: Resolver },
): Promise<{ line: string; ok: boolean }> {
  const signal = context.signal;
  const exporters: readonly string[] = context.config.telemetry[signal].exporters;
  if (!exporters.includes("otlp")) {
    const value = exporters.length === 0 ? "none" : exporters.join(",");
    return {
      line: `${label(signal)}not configured (${EXPORTER_SETTING[signal]}=${value})`,
      ok: true,
    };
  }
  const url = context.config.telemetry[signal].otlp.url;
  const start = `${label(signal)}${shownUrl(url)}  `;
  const unresolved = await resolveHost(url, resolve, context);
  if (unresolved !== undefined) return { line: `${start}FAILED: ${unresolved}`, ok: false };
  const result = await sendCheckItem(
    signal,
    context.config.telemetry,
    items,
    silentLogger(context),
  );
  return { line: start + outcome(result, context), ok: result.kind === "accepted" };
}

function outcome(result: CheckItemResult, context: AdviceContext): string {
  switch (result.kind) {
    case "accepted":
      return `OK (accepted in ${Math.round(result.durationMs)} ms)`;
    case "failed":
      return `FAILED: ${explainFailure(result.failure, context)}`;
    case "unusable":
      return `FAILED: ${result.message} — fix ${settingFor(context, "CERTIFICATE")}`;
  }
}

/** The DNS step: undefined when the host resolves (or is an IP address), else the advice. */
async function resolveHost(
  url: string,
  resolve: Resolver,
  context: AdviceContext,
): Promise<string | undefined> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  if (isIP(host) !== 0) return undefined;
  try {
    await resolve(host);
    return undefined;
  } catch (error) {
    return explainFailure({ kind: "network", error: dnsError(error) }, context);
  }
}

/** A resolver's error, marked as DNS even when its message does not say so. */
function dnsError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`dns error: ${message}`, { cause: error });
}

/** The URL without a password in it (a user may have put credentials there). */
function shownUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href;
}

function label(signal: Signal): string {
  return signal.padEnd(9);
}

/** The sender logs its failures; the check reports them itself. */
function silentLogger(context: AdviceContext) {
  return createLogger({
    level: "error",
    format: "json",
    serviceName: context.config.telemetry.serviceName,
    write: () => {},
  });
}
