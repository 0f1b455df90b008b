/**
 * @module Opens the PostgreSQL store's pool and brings its schema up to date, as start-up and
 * every sub-command do.
 */

import { openPostgres, type PgConnectOptions, type PgDatabase } from "./client.ts";
import { migratePostgres } from "./migrations.ts";

/** The opened pool and what migrating did. */
export interface OpenedPostgres {
  readonly db: PgDatabase;
  /** The schema version (the number of migrations applied). */
  readonly version: number;
  /** True when this start created the schema (a fresh database). */
  readonly created: boolean;
}

/**
 * Opens the pool and applies pending migrations under the migrations lock; the pool is closed
 * again when that fails.
 */
export async function openPostgresDatabase(options: PgConnectOptions): Promise<OpenedPostgres> {
  const db = openPostgres(options);
  try {
    const { version, created } = await migratePostgres(db);
    return { db, version, created };
  } catch (error) {
    await db.close();
    throw error;
  }
}
