/**
 * @module The `reset-admin-password` command: a new generated password for a user, handed over
 * in the password file like the first admin's, every session of the user revoked. It goes
 * through the database, so it works while the service runs (SQLite's busy timeout waits out
 * the service's write lock).
 */

import { existsSync } from "node:fs";
import { accountsOver, sqliteStore } from "../compose.ts";
import { type Config, parseFlags, parseSettings } from "../config/load.ts";
import { SERVICE_NAME } from "../config/service_identity.ts";
import { ConfigError } from "../config/types.ts";
import { DatabaseOpenError, openDatabase } from "../db/database.ts";
import { StoreBusyError } from "../db/store.ts";
import { validateUsername } from "../lib/account_rules.ts";
import { adminPasswordPath, stageAdminPasswordFile } from "../lib/admin_password_file.ts";
import { errorMessage } from "../lib/error_message.ts";
import { EXIT_FAILED } from "../lib/exit_codes.ts";
import type { AccountsService } from "../services/accounts.ts";
import { DomainError } from "../services/domain_error.ts";
import { newGeneratedPassword } from "../services/passwords.ts";
import { openStore, StoreOpenError } from "../store_open.ts";
import { type Command, printOut } from "./command.ts";

const HELP = `Usage: ${SERVICE_NAME} reset-admin-password [--username <name>] [--db <file>]

Gives the user a new random password and signs them out everywhere. The password is written
to ADMIN_PASSWORD_FILE (default: <DB_PATH>.admin-password.txt, readable by its owner only;
required with DATABASE_URL), never printed: sign in with it, then delete the file. Works
while the service runs, on the SQLite file or on PostgreSQL (DATABASE_URL).

  --username <name>  the user (default: ADMIN_USERNAME, "admin" unless set)
  --db <file>        the database (default: DB_PATH, as the service reads it)

The other settings are read as the service reads them (see ${SERVICE_NAME} --help).
Exit codes: 0 done, 1 failed (no such user, no database, file not written), 2 bad usage
or setting.
`;

/** `otel-board reset-admin-password [--username NAME]`. */
export const resetAdminPasswordCommand: Command = {
  name: "reset-admin-password",
  summary: "Give a user (default ADMIN_USERNAME) a new password, in the password file",
  async run(args, env) {
    const { username: named, help, rest } = splitArgs(args);
    if (help) return printOut(HELP);
    const config = parseSettings(env, parseFlags(rest));
    const username = named ?? config.accounts.adminUsername;
    const problem = validateUsername(username);
    if (problem !== undefined) throw new ConfigError(`--username: ${problem}`);
    if (config.database.url !== undefined) return await resetOnPostgres(config, username);
    const dbPath = config.database.path;
    const path = adminPasswordPath(dbPath, config.accounts.adminPasswordFile);
    if (dbPath === ":memory:" || path === undefined) {
      throw new ConfigError(
        "DB_PATH is :memory:: reset-admin-password needs the database file the service uses",
      );
    }
    if (!existsSync(dbPath)) return failed(`There is no database at "${dbPath}" (DB_PATH, --db)`);

    let opened;
    try {
      opened = openDatabase(dbPath, { synchronous: config.database.synchronous });
    } catch (error) {
      if (error instanceof DatabaseOpenError) throw new ConfigError(`DB_PATH: ${error.message}`);
      throw error;
    }
    const store = sqliteStore(opened.db, config);
    try {
      return await resetPassword(accountsOver(store, config), username, path, dbPath);
    } finally {
      await store.close();
    }
  },
};

/** The same reset on the PostgreSQL database DATABASE_URL names (the password file must be set). */
async function resetOnPostgres(config: Config, username: string): Promise<number> {
  const path = config.accounts.adminPasswordFile;
  if (path === undefined) {
    throw new ConfigError(
      "ADMIN_PASSWORD_FILE: required with DATABASE_URL (where the new password is written)",
    );
  }
  await using resources = new AsyncDisposableStack();
  let opened;
  try {
    opened = await openStore(config, resources);
  } catch (error) {
    if (error instanceof StoreOpenError) return failed(error.message);
    throw error;
  }
  return await resetPassword(
    accountsOver(opened.store, config),
    username,
    path,
    config.database.url!.masked,
  );
}

async function resetPassword(
  accounts: AccountsService,
  username: string,
  path: string,
  dbPath: string,
): Promise<number> {
  if (await accounts.find(username) === undefined) {
    return failed(`There is no user "${username}" in "${dbPath}"`);
  }
  const password = newGeneratedPassword();
  // The file first: a password nobody can read must never replace a working one.
  let staged;
  try {
    staged = stageAdminPasswordFile(path, { username, password, what: "reset-admin-password" });
  } catch (error) {
    return failed(
      `Cannot write the password file "${path}": ${errorMessage(error)}; nothing changed`,
    );
  }
  let revoked;
  try {
    revoked = await accounts.resetPassword(username, password);
  } catch (error) {
    staged.discard();
    if (error instanceof DomainError) return failed(error.message);
    if (error instanceof StoreBusyError) {
      return failed(`The database stayed locked (${error.message}); nothing changed`);
    }
    throw error;
  }
  try {
    staged.commit();
  } catch (error) {
    return failed(
      `The password of "${username}" was changed, but the file "${path}" cannot be written ` +
        `(${errorMessage(error)}): run the command again once it can`,
    );
  }
  return printOut(
    `The password of "${username}" was reset and ${revoked} session(s) signed out.\n` +
      `The new password is in ${path}: sign in with it, then delete that file.\n`,
  );
}

function splitArgs(args: readonly string[]): {
  username: string | undefined;
  help: boolean;
  rest: string[];
} {
  let username: string | undefined;
  let help = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") {
      help = true;
    } else if (arg === "--username" || arg.startsWith("--username=")) {
      const value = arg === "--username" ? args[++i] : arg.slice("--username=".length);
      if (value === undefined || value === "") throw new ConfigError("--username needs a value");
      if (username !== undefined) throw new ConfigError("--username is given more than once");
      username = value;
    } else {
      rest.push(arg);
    }
  }
  return { username, help, rest };
}

function failed(message: string): number {
  Deno.stderr.writeSync(new TextEncoder().encode(`${SERVICE_NAME}: ${message}\n`));
  return EXIT_FAILED;
}
