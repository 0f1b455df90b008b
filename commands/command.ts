/** @module The shape of a sub-command (`otel-board <name> …`), and how commands print. */

import { EXIT_OK } from "../lib/exit_codes.ts";

/** One sub-command: `otel-board <name> [args] [--flags]`, with its own `--help`. */
export interface Command {
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** Runs with the arguments after the command's name; resolves with the exit code. */
  run(args: readonly string[], env: Readonly<Record<string, string>>): Promise<number>;
}

/** Writes `text` on stdout; answers EXIT_OK, for a command that only prints. */
export function printOut(text: string): number {
  Deno.stdout.writeSync(new TextEncoder().encode(text));
  return EXIT_OK;
}
