/**
 * @module Opens the store the settings select — the SQLite file (with its background writer)
 * or PostgreSQL (DATABASE_URL, migrated under its lock) — for the service and the
 * sub-commands alike, with its teardown on the caller's stack.
 */

import { postgresStore, sqliteStore } from "./compose.ts";
import { databasePassword } from "./config/database_password.ts";
import type { Config } from "./config/load.ts";
import { ConfigError } from "./config/types.ts";
import { startBackgroundWriter, withBackgroundWriter } from "./db/background_writer.ts";
import { DatabaseOpenError, openDatabase } from "./db/database.ts";
import { insertDemoPosts } from "./db/demo_posts.ts";
import { openPostgresDatabase } from "./db/postgres/open.ts";
import { createSqliteStore } from "./db/sqlite/sqlite_store.ts";
import type { Store } from "./db/store.ts";
import { errorMessage } from "./lib/error_message.ts";
import type { Logger } from "./telemetry/log.ts";
import type { Telemetry } from "./telemetry/setup.ts";

/** The database could not be opened or migrated (not a setting's fault): exit 1. */
export class StoreOpenError extends Error {
  override name = "StoreOpenError";
}

/** The opened store and what the start-up line says about it. */
export interface OpenedStore {
  readonly store: Store;
  readonly engine: "sqlite" | "postgres";
  /** Facts for the "Listening on" line: schema version, created, where (password masked). */
  readonly facts: Readonly<Record<string, unknown>>;
}

/** What opening needs besides the settings. */
export interface OpenStoreOptions {
  readonly telemetry?: Telemetry;
  /** Where a background-writer warning goes; without it the SQLite writer is not started. */
  readonly logger?: Logger;
  /** Inserts the demo posts into a freshly created database when DEMO_DATA says so. */
  readonly demoData?: boolean;
}

/**
 * Opens the selected store; its closing (and the SQLite background writer's) is deferred on
 * `resources`, so it happens after everything deferred later (the services).
 * @throws {ConfigError} for a setting that cannot work (DB_PATH not a database, no password file).
 * @throws {StoreOpenError} when PostgreSQL does not answer or cannot be migrated.
 */
export async function openStore(
  config: Config,
  resources: AsyncDisposableStack,
  options: OpenStoreOptions = {},
): Promise<OpenedStore> {
  return config.database.url === undefined
    ? await openSqliteStore(config, resources, options)
    : await openPostgresStore(config, resources, options);
}

/**
 * Opens PostgreSQL at DATABASE_URL whatever DB_PATH says (copy-to-postgres opens both).
 * @throws {StoreOpenError} when it does not answer or cannot be migrated.
 */
export async function openPostgresStore(
  config: Config,
  resources: AsyncDisposableStack,
  options: OpenStoreOptions,
): Promise<OpenedStore> {
  const url = config.database.url!;
  const password = databasePassword(config.database);
  let opened;
  try {
    opened = await openPostgresDatabase({
      url: url.url,
      poolSize: config.database.poolSize,
      ...(password === undefined ? {} : { password }),
    });
  } catch (error) {
    throw new StoreOpenError(
      `Cannot open the PostgreSQL database ${url.masked}: ${errorMessage(error)}`,
    );
  }
  const store = postgresStore(opened.db, config, options.telemetry);
  resources.defer(() => store.close());
  if (opened.created && options.demoData === true) {
    await insertDemoPosts(store.posts, new Date());
  }
  return {
    store,
    engine: "postgres",
    facts: {
      schema_version: opened.version,
      created_database: opened.created,
      database_url: url.masked,
      database_pool_size: config.database.poolSize,
    },
  };
}

/** Opens the SQLite file at DB_PATH whatever DATABASE_URL says (copy-to-postgres opens both). */
export async function openSqliteStore(
  config: Config,
  resources: AsyncDisposableStack,
  options: OpenStoreOptions,
): Promise<OpenedStore> {
  let opened;
  try {
    opened = openDatabase(config.database.path, { synchronous: config.database.synchronous });
  } catch (error) {
    if (error instanceof DatabaseOpenError) throw new ConfigError(`DB_PATH: ${error.message}`);
    throw error;
  }
  // The database closes after the worker, which writes into the same file.
  resources.defer(() => opened.db.close());
  if (opened.created && options.demoData === true) {
    await insertDemoPosts(createSqliteStore(opened.db).posts, new Date());
  }
  const writer = config.database.path === ":memory:" || options.logger === undefined
    ? undefined
    : startBackgroundWriter(config.database.path, { synchronous: config.database.synchronous });
  writer?.ready.catch((error: unknown) => {
    options.logger?.warn("log_api rows will be written on the request thread", { error });
  });
  // The worker closes after the log writer and retention, whose last statements it runs.
  if (writer !== undefined) resources.defer(() => writer.close(1000));
  const db = writer === undefined ? opened.db : withBackgroundWriter(opened.db, writer);
  return {
    store: sqliteStore(db, config, options.telemetry),
    engine: "sqlite",
    facts: { schema_version: opened.version, created_database: opened.created, db_path: db.path },
  };
}
