/** @module Which PostgreSQL password applies: DATABASE_URL's, DATABASE_PASSWORD_FILE's, or PGPASSWORD. */

import { errorMessage } from "../lib/error_message.ts";
import type { Config } from "./load.ts";
import { ConfigError } from "./types.ts";

/**
 * The password to connect with when DATABASE_URL carries none: the first line of
 * DATABASE_PASSWORD_FILE, else PGPASSWORD, else none (trust or peer authentication).
 * Undefined when the URL has its own (the client reads it from there).
 * @throws {ConfigError} when DATABASE_PASSWORD_FILE cannot be read or is empty.
 */
export function databasePassword(database: Config["database"]): string | undefined {
  if (database.url?.hasPassword) return undefined;
  if (database.passwordFile !== undefined) {
    let text;
    try {
      text = Deno.readTextFileSync(database.passwordFile);
    } catch (error) {
      throw new ConfigError(`DATABASE_PASSWORD_FILE: cannot read it: ${errorMessage(error)}`);
    }
    const password = text.split(/\r?\n/)[0] ?? "";
    if (password === "") throw new ConfigError("DATABASE_PASSWORD_FILE: its first line is empty");
    return password;
  }
  return database.pgPassword;
}
