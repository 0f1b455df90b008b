/**
 * @module PostgreSQL's numbered migrations, recorded in `schema_migrations` and applied at
 * start-up in one transaction under an advisory lock, so instances starting together on one
 * database apply each migration exactly once.
 */

import type { PgDatabase } from "./client.ts";
import { INITIAL_SCHEMA } from "./migrations/001_initial.ts";

/** One schema step; its version is its position. */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every PostgreSQL migration, oldest first; append, never edit one that has shipped. */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, name: "initial", sql: INITIAL_SCHEMA },
];

/** The advisory lock keys otel-board takes (arbitrary, fixed: "otbd" and a number). */
export const PG_LOCKS = Object.freeze({
  /** Migrations and the first admin. */
  migrations: 0x6f746264_01,
  /** log_api retention: one instance prunes at a time. */
  retention: 0x6f746264_02,
});

/** What `migratePostgres` found and did. */
export interface PgMigrationResult {
  /** The schema version after migrating. */
  readonly version: number;
  /** True when this call created the schema (a fresh database). */
  readonly created: boolean;
}

/**
 * Applies the pending migrations in one transaction holding the migrations lock (a
 * transaction-level advisory lock: released by COMMIT or ROLLBACK, even if the process dies).
 * @throws {Error} when the database holds a newer schema than this version knows.
 */
export function migratePostgres(
  db: PgDatabase,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<PgMigrationResult> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${PG_LOCKS.migrations})`);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text    NOT NULL,
      applied_at text    NOT NULL
    )`);
    const rows = await tx.query(
      "SELECT coalesce(max(version), 0) AS version FROM schema_migrations",
    );
    const current = Number(rows[0]?.version ?? 0);
    const latest = migrations.length;
    if (current > latest) {
      throw new Error(
        `The database has schema version ${current}, newer than this otel-board knows ` +
          `(${latest}): run a newer otel-board`,
      );
    }
    for (const migration of migrations.slice(current)) {
      await tx.query(migration.sql);
      await tx.query(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        [migration.version, migration.name, new Date().toISOString()],
      );
    }
    return { version: latest, created: current === 0 };
  });
}
