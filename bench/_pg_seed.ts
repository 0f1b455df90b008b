/**
 * @module The benchmark's PostgreSQL database: otel-board migrates an empty one and creates its
 * admin, then the template's posts and call-log rows are copied in (same ids, same text), so the
 * PostgreSQL server answers what the SQLite servers answer; and its call log's last `seq` once
 * the server's batches have settled.
 */

import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { searchBody } from "../db/postgres/search_body.ts";
import { freePort } from "../testing/free_port.ts";
import type { Template } from "./_seed.ts";
import { otelBoardCommand, startServerProcess } from "./_servers.ts";

type Value = string | number | null;

/** Rows per INSERT: well under PostgreSQL's 65535 parameters for either table. */
const CHUNK = 500;

/** Fills the empty database at `url` with the template's schema, admin, posts and call log. */
export async function seedPostgres(template: Template, url: string, cwd: string): Promise<void> {
  const port = freePort();
  const server = await startServerProcess(
    otelBoardCommand(
      port,
      { DATABASE_URL: url, DEMO_DATA: "false", OTEL_SDK_DISABLED: "true" },
      { cwd },
    ),
    port,
    "/healthz",
  );
  const stopped = await server.stop();
  if (stopped.code !== 0) {
    throw new Error(`otel-board could not migrate PostgreSQL (${stopped.code}): ${stopped.stderr}`);
  }
  const sqlite = new DatabaseSync(template.path, { readOnly: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    // The call log of the migration run itself goes: the template's rows replace it.
    await client.query("DELETE FROM log_api");
    const posts = sqlite.prepare(
      "SELECT seq, title, content, create_date, update_date, author_id FROM board ORDER BY seq",
    ).all().map((row) => [
      ...Object.values(row) as Value[],
      searchBody(String(row.title), String(row.content)),
    ]);
    await insertRows(client, "board", [
      "seq",
      "title",
      "content",
      "create_date",
      "update_date",
      "author_id",
      "search_body",
    ], posts);
    const logRows = sqlite.prepare("SELECT * FROM log_api ORDER BY seq").all();
    const logColumns = Object.keys(logRows[0] ?? {});
    await insertRows(
      client,
      "log_api",
      logColumns,
      logRows.map((row) => Object.values(row) as Value[]),
    );
    for (const table of ["board", "log_api"]) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table}', 'seq'), (SELECT max(seq) FROM ${table}))`,
      );
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    sqlite.close();
    await client.end();
  }
}

async function insertRows(
  client: pg.Client,
  table: string,
  columns: readonly string[],
  rows: readonly Value[][],
): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const params = chunk.flat();
    const values = chunk.map((_, r) =>
      `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(", ")})`
    );
    await client.query(
      `INSERT INTO ${table} (${columns.join(", ")}) OVERRIDING SYSTEM VALUE VALUES ${
        values.join(", ")
      }`,
      params,
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The highest `log_api.seq` at `url` once the server's pending batch is written: after
 * `flushMs` × 2.5, until two reads `flushMs` apart agree (at most 50 reads). An identity value
 * is never reused, so it counts rows even after retention pruned some.
 */
export async function settledPostgresSeq(url: string, flushMs: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const last = async () =>
      Number((await client.query("SELECT coalesce(max(seq), 0) AS n FROM log_api")).rows[0].n);
    await sleep(flushMs * 2.5);
    let previous = await last();
    for (let i = 0; i < 50; i++) {
      await sleep(flushMs);
      const current = await last();
      if (current === previous) return current;
      previous = current;
    }
    return previous;
  } finally {
    await client.end();
  }
}
