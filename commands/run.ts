/** @module The `run` command (the default): serves the board until a stop signal. */

import { helpText, versionText } from "../config/help.ts";
import { loadConfig } from "../config/load.ts";
import { EXIT_OK } from "../lib/exit_codes.ts";
import { StopRequests } from "../lib/stop_signals.ts";
import { runService } from "../server.ts";
import { type Command, printOut } from "./command.ts";

/**
 * The `run` command; `listed` gives every command, for the `--help` text (main.ts's table,
 * read when asked, so that table can hold this command too).
 */
export function runCommand(listed: () => readonly Command[]): Command {
  return {
    name: "run",
    summary: "Serve the board until a stop signal (the default)",
    async run(args, env) {
      // Listening starts before anything else and lasts until the process exits, so no stop
      // signal ever meets the default action (which would skip the drain).
      const stops = new StopRequests();
      const startup = loadConfig(env, args);
      if (startup.action === "help") return printOut(helpText(listed()));
      if (startup.action === "version") return printOut(versionText());
      await runService(startup.config, { stops });
      // A duplicate of the stop signal can still be on its way (the task runner forwards it,
      // late on a loaded machine): it must meet the listener, not a process tearing down,
      // whose default action would turn this clean exit into "killed by SIGINT" (130).
      await stops.afterDuplicateWindow();
      return EXIT_OK;
    },
  };
}
