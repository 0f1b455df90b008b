/**
 * @module The command line only: `otel-board [command] [args] [--flags]` picks a command, runs
 * it and exits with its code (0 done, 1 failed, 2 bad usage or setting).
 */

import { helpText, versionText } from "./config/help.ts";
import { loadConfig } from "./config/load.ts";
import { SERVICE_NAME } from "./config/service_identity.ts";
import { ConfigError } from "./config/types.ts";
import { EXIT_INVALID_SETTING, EXIT_OK } from "./lib/exit_codes.ts";
import { StopRequests } from "./lib/stop_signals.ts";
import { runService, StartupError } from "./server.ts";

/** One sub-command: `otel-board <name> [args] [--flags]`, with its own `--help`. */
export interface Command {
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** Runs with the arguments after the command's name; resolves with the exit code. */
  run(args: readonly string[], env: Readonly<Record<string, string>>): Promise<number>;
}

/** Every command; the first is the default when the command line names none. */
export const COMMANDS: readonly Command[] = [
  {
    name: "run",
    summary: "Serve the board until a stop signal (the default)",
    async run(args, env) {
      // Listening starts before anything else and lasts until the process exits, so no stop
      // signal ever meets the default action (which would skip the drain).
      const stops = new StopRequests();
      const startup = loadConfig(env, args);
      if (startup.action === "help") return print(helpText(COMMANDS));
      if (startup.action === "version") return print(versionText());
      await runService(startup.config, { stops });
      return EXIT_OK;
    },
  },
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

function print(text: string): number {
  Deno.stdout.writeSync(new TextEncoder().encode(text));
  return EXIT_OK;
}

function fail(message: string, exitCode: number): number {
  Deno.stderr.writeSync(new TextEncoder().encode(`${SERVICE_NAME}: ${message}\n`));
  return exitCode;
}

if (import.meta.main) Deno.exit(await runCommandLine(Deno.args, Deno.env.toObject()));
