/** @module The `--help` and `--version` texts, written from the settings tables. */

import { OTEL_SETTINGS } from "./otel_settings.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "./service_identity.ts";
import { SERVICE_SETTINGS } from "./settings.ts";
import type { Setting, SettingGroup } from "./types.ts";

/** Every service setting, in `--help` and README order. */
export function serviceSettings(): Setting<unknown>[] {
  return Object.values(SERVICE_SETTINGS).flatMap((group: SettingGroup) => Object.values(group));
}

/** Every OTEL_* setting, in `--help` and README order. */
export function otelSettings(): Setting<unknown>[] {
  return Object.values(OTEL_SETTINGS as SettingGroup);
}

/** The `--help` text: the commands, then every setting with its variable, flag and default. */
export function helpText(
  commands: readonly { readonly name: string; readonly summary: string }[] = [],
): string {
  const nameWidth = Math.max(10, ...commands.map((c) => c.name.length)) + 2;
  const lines = [
    `${SERVICE_NAME} ${SERVICE_VERSION}: a bulletin-board API on SQLite that logs every call.`,
    "",
    "Usage: otel-board [command] [--port <port>] [--host <address>] [--db <file>] [--help] [--version]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(nameWidth)}${c.summary}`),
    "",
    "Settings (environment variable, flag where there is one, default):",
  ];
  for (const setting of serviceSettings()) {
    const flag = setting.flag === undefined ? "" : `, ${setting.flag} ${setting.placeholder}`;
    lines.push(`  ${setting.env}=${setting.placeholder}${flag}`);
    lines.push(`      ${setting.help}. Default: ${setting.defaultText}`);
  }
  lines.push("", "OpenTelemetry settings (the standard OTEL_* variables):");
  for (const setting of otelSettings()) {
    lines.push(`  ${setting.env}`);
    lines.push(`      ${setting.help}. Default: ${setting.defaultText}`);
  }
  lines.push("", "Invalid settings stop start-up with a message naming the setting (exit code 2).");
  return lines.join("\n") + "\n";
}

/** The `--version` text. */
export function versionText(): string {
  return `${SERVICE_NAME} ${SERVICE_VERSION} (deno ${Deno.version.deno})\n`;
}
