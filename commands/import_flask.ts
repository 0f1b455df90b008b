/**
 * @module The `import-flask` command: the Flask app's posts and call log copied into the
 * database the service uses, in one transaction, the source opened read-only.
 */

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { databasePassword } from "../config/database_password.ts";
import { type Config, parseFlags, parseSettings } from "../config/load.ts";
import { SERVICE_NAME } from "../config/service_identity.ts";
import { ConfigError } from "../config/types.ts";
import { DatabaseOpenError, openDatabase } from "../db/database.ts";
import { COLUMN_SIZES } from "../db/flask_import/convert.ts";
import {
  type FlaskSource,
  FlaskSourceError,
  openFlaskSource,
} from "../db/flask_import/flask_source.ts";
import { FlaskImportRefused, type FlaskImportReport } from "../db/flask_import/import_flask.ts";
import { importFlaskIntoPostgres } from "../db/flask_import/postgres_target.ts";
import { importFlask } from "../db/flask_import/sqlite_target.ts";
import { openPostgresDatabase } from "../db/postgres/open.ts";
import { storeError } from "../db/sqlite/errors.ts";
import { StoreBusyError, StoreUnavailableError } from "../db/store.ts";
import { errorMessage } from "../lib/error_message.ts";
import { EXIT_FAILED, EXIT_OK } from "../lib/exit_codes.ts";
import { isTimeZone, localTimeZone, NaiveTimeReader } from "../lib/naive_time.ts";
import { type Command, printOut } from "./command.ts";

const HELP = `Usage: ${SERVICE_NAME} import-flask SOURCE.db [--source-timezone <zone>] [--dry-run]
                             [--accept-retention] [--db <file>]

Copies the posts (board) and the call log (log_api) of the Flask app's SQLite file SOURCE.db
into the otel-board database, in one transaction: all rows or none. The database is the one
the service uses: the SQLite file DB_PATH (created if absent), or PostgreSQL when DATABASE_URL
is set (its schema created if absent; instances writing meanwhile wait for the import to end).
SOURCE.db is opened read-only and never changed. Stop otel-board before importing.

  --source-timezone <zone>  the IANA time zone the Flask app wrote its naive times in, such
                            as Asia/Seoul (default: this machine's zone, printed)
  --dry-run                 check everything and print what would be imported; write nothing
  --accept-retention        import even if LOG_API_RETENTION_DAYS or LOG_API_MAX_ROWS would
                            delete imported log rows at the service's next prune
  --db <file>               the SQLite database (default: DB_PATH, as the service reads it)

Posts keep their seq. Untouched demo posts are removed first; a post written in otel-board
with a seq the source also has stops the import. Imported log rows come before otel-board's
own rows (those are renumbered after them); their method, status, duration and trace id are
unknown (null). A value that cannot be imported (an empty title, a time that is no time, a
log row without start_time) stops the import, named by table, seq and column.
The other settings are read as the service reads them (see ${SERVICE_NAME} --help).
Exit codes: 0 imported (with --dry-run: would be), 1 refused or failed (nothing written),
2 bad usage or setting.
`;

/** `otel-board import-flask SOURCE.db [--source-timezone ZONE] [--dry-run] [--accept-retention]`. */
export const importFlaskCommand: Command = {
  name: "import-flask",
  summary: "Copy the Flask app's posts and call log (SOURCE.db) into the database",
  run(args, env) {
    const parsed = splitArgs(args);
    if (parsed.help) return Promise.resolve(printOut(HELP));
    const config = parseSettings(env, parseFlags(parsed.rest));
    if (parsed.source === undefined) {
      throw new ConfigError("import-flask needs the Flask database file: import-flask SOURCE.db");
    }
    const zone = parsed.zone ?? localTimeZone();
    if (!isTimeZone(zone)) {
      throw new ConfigError(
        `--source-timezone: "${zone}" is not a time zone; expected an IANA name such as Asia/Seoul`,
      );
    }
    const options = {
      zone,
      dryRun: parsed.dryRun,
      acceptRetention: parsed.acceptRetention,
      synchronous: config.database.synchronous,
      retentionDays: config.logApi.retentionDays,
      maxRows: config.logApi.maxRows,
    };
    const zoneNote = parsed.zone === undefined
      ? "this machine's zone; --source-timezone changes it"
      : "--source-timezone";
    if (config.database.url !== undefined) {
      say(`Reading ${parsed.source}, naive times in ${zone} (${zoneNote}).`);
      return runOnPostgres(parsed.source, config, options);
    }
    const dbPath = config.database.path;
    if (dbPath === ":memory:") {
      throw new ConfigError("DB_PATH is :memory:: import-flask needs the database file to fill");
    }
    if (existsSync(dbPath) && resolve(dbPath) === resolve(parsed.source)) {
      throw new ConfigError(`SOURCE.db and DB_PATH are the same file "${dbPath}"`);
    }
    say(`Reading ${parsed.source}, naive times in ${zone} (${zoneNote}).`);
    return run(parsed.source, dbPath, options);
  },
};

interface RunOptions {
  readonly zone: string;
  readonly dryRun: boolean;
  readonly acceptRetention: boolean;
  readonly synchronous: "normal" | "full";
  readonly retentionDays: number;
  readonly maxRows: number;
}

/** The Flask file opened read-only, or undefined (reported) when it cannot be. */
function openSource(sourcePath: string): FlaskSource | undefined {
  try {
    return openFlaskSource(sourcePath);
  } catch (error) {
    if (error instanceof FlaskSourceError) return void failed(error.message);
    throw error;
  }
}

/** The import into PostgreSQL at DATABASE_URL (migrated first, as a start would). */
async function runOnPostgres(
  sourcePath: string,
  config: Config,
  options: RunOptions,
): Promise<number> {
  const started = performance.now();
  const url = config.database.url!;
  const password = databasePassword(config.database);
  using source = openSource(sourcePath);
  if (source === undefined) return EXIT_FAILED;
  let opened;
  try {
    opened = await openPostgresDatabase({
      url: url.url,
      poolSize: 1,
      ...(password === undefined ? {} : { password }),
    });
  } catch (error) {
    return failed(`Cannot open the PostgreSQL database ${url.masked}: ${errorMessage(error)}`);
  }
  say(`${options.dryRun ? "Checking against" : "Importing into"} ${url.masked}.`);
  let report: FlaskImportReport;
  try {
    report = await importFlaskIntoPostgres(opened.db, source, {
      times: new NaiveTimeReader(options.zone),
      retentionDays: options.retentionDays,
      maxRows: options.maxRows,
      acceptRetention: options.acceptRetention,
      dryRun: options.dryRun,
    });
  } catch (error) {
    if (error instanceof FlaskImportRefused) return refused(source.path, error);
    if (error instanceof StoreUnavailableError) {
      return failed(`${url.masked} stopped answering; nothing was written`);
    }
    return failed(`Cannot import into ${url.masked}: ${errorMessage(error)}; nothing was written`);
  } finally {
    await opened.db.close();
  }
  return printOut(describe(report, options, (performance.now() - started) / 1000));
}

async function run(sourcePath: string, dbPath: string, options: RunOptions): Promise<number> {
  const started = performance.now();
  using source = openSource(sourcePath);
  if (source === undefined) return EXIT_FAILED;
  const created = !options.dryRun && !existsSync(dbPath);
  let exitCode = EXIT_FAILED;
  try {
    exitCode = await importInto(source, dbPath, options, started);
    return exitCode;
  } finally {
    // A refused import into a file it created leaves no file behind: nothing was written.
    if (exitCode !== EXIT_OK && created) removeDatabaseFiles(dbPath);
  }
}

async function importInto(
  source: FlaskSource,
  dbPath: string,
  options: RunOptions,
  started: number,
): Promise<number> {
  let opened;
  try {
    opened = openDatabase(dbPath, { synchronous: options.synchronous, trial: options.dryRun });
  } catch (error) {
    if (error instanceof DatabaseOpenError) throw new ConfigError(`DB_PATH: ${error.message}`);
    throw error;
  }
  const { db } = opened;
  say(`${options.dryRun ? "Checking against" : "Importing into"} ${dbPath}.`);
  let report: FlaskImportReport;
  try {
    report = await importFlask(db, source, {
      times: new NaiveTimeReader(options.zone),
      retentionDays: options.retentionDays,
      maxRows: options.maxRows,
      acceptRetention: options.acceptRetention,
    });
  } catch (error) {
    const busy = storeError(error);
    if (busy instanceof StoreBusyError) {
      return failed(`${dbPath} stayed locked by another writer (is otel-board running? stop it)`);
    }
    if (error instanceof FlaskImportRefused) return refused(source.path, error);
    throw error;
  } finally {
    db.close();
  }
  return printOut(describe(report, options, (performance.now() - started) / 1000));
}

function removeDatabaseFiles(dbPath: string): void {
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      Deno.removeSync(dbPath + suffix);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

function describe(report: FlaskImportReport, options: RunOptions, seconds: number): string {
  const would = options.dryRun ? "Would " : "";
  const verb = (past: string, base: string) => options.dryRun ? `${would}${base}` : past;
  const lines: string[] = [];
  if (report.demoPostsRemoved > 0) {
    lines.push(`${verb("Removed", "remove")} ${report.demoPostsRemoved} untouched demo post(s).`);
  }
  if (report.renumbered.rows > 0) {
    lines.push(
      `${verb("Renumbered", "renumber")} ${report.renumbered.rows} log row(s) otel-board wrote ` +
        `(seq + ${report.renumbered.by}), so they come after the imported ones.`,
    );
  }
  for (const [column, count] of report.truncated) {
    lines.push(
      `${verb("Cut", "cut")} ${count} value(s) of ${column} to ${COLUMN_SIZES[column]} characters.`,
    );
  }
  if (report.retention.rows > 0) {
    lines.push(
      `The service's next prune will delete ${report.retention.rows} of the imported log rows ` +
        "(--accept-retention).",
    );
  }
  const range = report.first === undefined ? "no times" : `${report.first} to ${report.last}`;
  const counts = `${report.posts} post(s) and ${report.calls} log row(s), ${range}`;
  lines.push(
    options.dryRun
      ? `Dry run: would import ${counts} (checked in ${seconds.toFixed(2)} s); nothing was written.`
      : `Imported ${counts} in ${seconds.toFixed(2)} s.`,
  );
  return lines.join("\n") + "\n";
}

function refused(sourcePath: string, error: FlaskImportRefused): number {
  const lines = [`Cannot import ${sourcePath}: ${error.message}`];
  for (const problem of error.problems) lines.push(`  - ${problem}`);
  if (error.total > error.problems.length) {
    lines.push(`  … and ${error.total - error.problems.length} more`);
  }
  return failed(lines.join("\n"));
}

interface ParsedArgs {
  source: string | undefined;
  zone: string | undefined;
  dryRun: boolean;
  acceptRetention: boolean;
  help: boolean;
  rest: string[];
}

function splitArgs(args: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = {
    source: undefined,
    zone: undefined,
    dryRun: false,
    acceptRetention: false,
    help: false,
    rest: [],
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") {
      parsed.help = true;
    } else if (arg === "--dry-run") {
      parsed.dryRun = true;
    } else if (arg === "--accept-retention") {
      parsed.acceptRetention = true;
    } else if (arg === "--source-timezone" || arg.startsWith("--source-timezone=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[++i];
      if (value === undefined || value === "") {
        throw new ConfigError("--source-timezone needs a value, such as Asia/Seoul");
      }
      if (parsed.zone !== undefined) throw new ConfigError("--source-timezone is given twice");
      parsed.zone = value;
    } else if (!arg.startsWith("-")) {
      if (parsed.source !== undefined) {
        throw new ConfigError(
          `import-flask takes one SOURCE.db, got "${parsed.source}" and "${arg}"`,
        );
      }
      parsed.source = arg;
    } else {
      parsed.rest.push(arg);
      // A setting flag's value (--db FILE) is not the source.
      const takesValue = !arg.includes("=") && arg !== "--version" && arg !== "-V";
      if (takesValue && i + 1 < args.length) parsed.rest.push(args[++i]!);
    }
  }
  return parsed;
}

function say(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}

function failed(message: string): number {
  Deno.stderr.writeSync(new TextEncoder().encode(`${SERVICE_NAME}: ${message}\n`));
  return EXIT_FAILED;
}
