/**
 * @module The `copy-to-postgres` command: otel-board's SQLite file (DB_PATH) copied once into
 * an empty PostgreSQL database (DATABASE_URL), ids kept, for the operator who outgrows the file.
 */

import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { parseBothEngines, parseFlags } from "../config/load.ts";
import { databasePassword } from "../config/database_password.ts";
import { SERVICE_NAME } from "../config/service_identity.ts";
import { ConfigError } from "../config/types.ts";
import { COPIED_TABLES, CopyRefused, copyToPostgres } from "../db/copy_to_postgres.ts";
import { DatabaseOpenError, openDatabase } from "../db/database.ts";
import { openPostgresDatabase } from "../db/postgres/open.ts";
import { StoreUnavailableError } from "../db/store.ts";
import { errorMessage } from "../lib/error_message.ts";
import { EXIT_FAILED } from "../lib/exit_codes.ts";
import { type Command, printOut } from "./command.ts";

const HELP = `Usage: ${SERVICE_NAME} copy-to-postgres [--db <file>]

Copies otel-board's SQLite file (DB_PATH) into the PostgreSQL database DATABASE_URL names:
users, posts (board), sessions and the call log (log_api), every id kept. The file is read in
one read transaction and never changed (its schema is first brought up to date, as the
service does at start); PostgreSQL is written in one transaction: all rows or none. The
counts are compared before it commits. Each id sequence is moved past the highest id, so the
next post gets the next number. Signed-in users stay signed in.

The target must be empty: run this before any otel-board starts on DATABASE_URL (the schema
is created here). Stop otel-board first: rows it writes during the copy are not copied.
This is the one command that reads DB_PATH and DATABASE_URL together.

  --db <file>  the SQLite file (default: DB_PATH, as the service reads it)

The other settings are read as the service reads them (see ${SERVICE_NAME} --help).
Exit codes: 0 copied, 1 refused or failed (nothing written), 2 bad usage or setting.
`;

/** `otel-board copy-to-postgres [--db FILE]`. */
export const copyToPostgresCommand: Command = {
  name: "copy-to-postgres",
  summary: "Copy the SQLite file (DB_PATH) into an empty PostgreSQL database (DATABASE_URL)",
  async run(args, env) {
    if (args.includes("--help") || args.includes("-h")) return printOut(HELP);
    const config = parseBothEngines(env, parseFlags(args));
    const url = config.database.url;
    if (url === undefined) {
      throw new ConfigError(
        "DATABASE_URL is not set: copy-to-postgres writes the database it names",
      );
    }
    const dbPath = config.database.path;
    if (dbPath === ":memory:") {
      throw new ConfigError("DB_PATH is :memory:: copy-to-postgres reads the service's file");
    }
    if (!existsSync(dbPath)) return failed(`There is no database at "${dbPath}" (DB_PATH, --db)`);
    const password = databasePassword(config.database);
    try {
      // Brings the file's schema up to date (the copy reads the current one), then closes it.
      openDatabase(dbPath, { synchronous: config.database.synchronous }).db.close();
    } catch (error) {
      if (error instanceof DatabaseOpenError) throw new ConfigError(`DB_PATH: ${error.message}`);
      throw error;
    }
    const started = performance.now();
    let target;
    try {
      target = await openPostgresDatabase({
        url: url.url,
        poolSize: 1,
        ...(password === undefined ? {} : { password }),
      });
    } catch (error) {
      return failed(`Cannot open the PostgreSQL database ${url.masked}: ${errorMessage(error)}`);
    }
    const source = new DatabaseSync(dbPath, { readOnly: true });
    let report;
    try {
      report = await copyToPostgres(source, target.db);
    } catch (error) {
      if (error instanceof CopyRefused) {
        return failed(`Cannot copy into ${url.masked}: ${error.message}`);
      }
      if (error instanceof StoreUnavailableError) {
        return failed(`${url.masked} stopped answering (${error.message}); nothing was written`);
      }
      return failed(`Cannot copy into ${url.masked}: ${errorMessage(error)}; nothing was written`);
    } finally {
      source.close();
      await target.db.close();
    }
    const counts = COPIED_TABLES.map((table) => `${table} ${report.rows[table]}`).join(", ");
    const next = Object.entries(report.nextIds).map(([table, id]) => `${table} ${id}`).join(", ");
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    return printOut(
      `Copied ${dbPath} into ${url.masked} in ${seconds} s: ${counts} row(s); the counts match.\n` +
        `Next ids: ${next}.\n` +
        "Start otel-board with DATABASE_URL (and without DB_PATH) to use it.\n",
    );
  },
};

function failed(message: string): number {
  Deno.stderr.writeSync(new TextEncoder().encode(`${SERVICE_NAME}: ${message}\n`));
  return EXIT_FAILED;
}
