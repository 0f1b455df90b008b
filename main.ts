/**
 * @module The command line only: `otel-board [command] [args] [--flags]` picks a command, runs
 * it and exits with its code (0 done, 1 failed, 2 bad usage or setting).
 */

import { checkTelemetryCommand } from "./commands/check_telemetry.ts";
import { type Command } from "./commands/command.ts";
import { copyToPostgresCommand } from "./commands/copy_to_postgres.ts";
import { importFlaskCommand } from "./commands/import_flask.ts";
import { resetAdminPasswordCommand } from "./commands/reset_admin_password.ts";
import { runCommand } from "./commands/run.ts";
import { SERVICE_NAME } from "./config/service_identity.ts";
import { ConfigError } from "./config/types.ts";
import { EXIT_INVALID_SETTING } from "./lib/exit_codes.ts";
import { StartupError } from "./server.ts";

/** Every command; the first is the default when the command line names none. */
export const COMMANDS: readonly Command[] = [
  runCommand(() => COMMANDS),
  importFlaskCommand,
  resetAdminPasswordCommand,
  copyToPostgresCommand,
  checkTelemetryCommand,
];

/** Runs the command `args` name (or the default) and resolves with its exit code. */
export async function runCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<number> {
  const named = args[0] !== undefined && !args[0].startsWith("-");
  const command = named ? COMMANDS.find((c) => c.name === args[0]) : COMMANDS[0];
  try {
    if (command === undefined) {
      const names = COMMANDS.map((c) => c.name).join(", ");
      throw new ConfigError(`Unknown command "${args[0]}": the commands are ${names}`);
    }
    return await command.run(named ? args.slice(1) : args, env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message, EXIT_INVALID_SETTING);
    if (error instanceof StartupError) return fail(error.message, error.exitCode);
    throw error;
  }
}

function fail(message: string, exitCode: number): number {
  Deno.stderr.writeSync(new TextEncoder().encode(`${SERVICE_NAME}: ${message}\n`));
  return exitCode;
}

if (import.meta.main) Deno.exit(await runCommandLine(Deno.args, Deno.env.toObject()));
