/**
 * @module deploy/postgres/README.md run as written on a real PostgreSQL: its role and database
 * statements, then otel-board's migrations as that role (no superuser), `pg_trgm` included.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { openPostgresDatabase } from "../../db/postgres/open.ts";
import {
  POSTGRES_PASSWORD,
  type PostgresCluster,
  queryOnce,
  startPostgres,
} from "../../testing/postgres.ts";
import { ROOT } from "../../testing/root.ts";

const NOTE = await Deno.readTextFile(join(ROOT, "deploy/postgres/README.md"));

/** The statements of the note's `sql` blocks, in order (psql's `\c` lines apart). */
function sqlBlocks(text: string): string[][] {
  return [...text.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) =>
    match[1]!.split(";\n").map((statement) => statement.trim()).filter((s) => s !== "")
  );
}

const cluster: PostgresCluster | undefined = await startPostgres();

Deno.test({
  name:
    "deploy/postgres/README.md: its role and database let otel-board migrate without a superuser",
  ignore: cluster === undefined,
  async fn() {
    await using _cluster = cluster!;
    const [setup, extension] = sqlBlocks(NOTE);
    assert.ok(setup !== undefined && extension !== undefined, "two sql blocks");
    const superuser = `postgres://postgres:${POSTGRES_PASSWORD}@${cluster!.host}:${cluster!.port}`;
    for (const statement of setup) await queryOnce(`${superuser}/postgres`, statement);
    assert.match(extension[0]!, /^\\c otel_board\n/, "the extension block connects first");

    // As the role the note creates: the first migration creates the tables and pg_trgm.
    const url = `postgres://otel_board:change-me@${cluster!.host}:${cluster!.port}/otel_board`;
    const opened = await openPostgresDatabase({ url, poolSize: 1 });
    try {
      assert.equal(opened.created, true);
      const [trgm] = await opened.db.query(
        "SELECT extowner::regrole::text AS owner FROM pg_extension WHERE extname = 'pg_trgm'",
      );
      assert.equal(trgm?.owner, "otel_board", "the trusted extension, created by the owner");
    } finally {
      await opened.db.close();
    }

    // The superuser's way (the extension made beforehand) works as well: IF NOT EXISTS skips it.
    await queryOnce(
      `${superuser}/postgres`,
      "CREATE DATABASE otel_board_2 OWNER otel_board ENCODING 'UTF8' TEMPLATE template0",
    );
    await queryOnce(`${superuser}/otel_board_2`, extension[0]!.replace(/^\\c otel_board\n/, ""));
    const second = await openPostgresDatabase({
      url: url.replace(/\/otel_board$/, "/otel_board_2"),
      poolSize: 1,
    });
    await second.db.close();
    assert.equal(second.created, true);
  },
});
