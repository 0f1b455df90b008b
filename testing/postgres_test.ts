import assert from "node:assert/strict";
import postgres from "postgres";
import { postgresBinDir, startPostgres } from "./postgres.ts";

Deno.test("postgresBinDir finds Debian's PostgreSQL programs off PATH", () => {
  const bin = postgresBinDir();
  if (bin === undefined) return;
  assert.match(bin, /^\/usr\/lib\/postgresql\/\d+\/bin$/);
});

Deno.test("startPostgres gives a cluster with fresh databases, pg_trgm, and stop/start", async () => {
  await using cluster = await startPostgres();
  if (cluster === undefined) return;
  const first = await cluster.freshDatabase();
  const second = await cluster.freshDatabase();
  assert.notEqual(first, second);
  const sql = postgres(first, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe("CREATE EXTENSION pg_trgm");
    const [row] = await sql.unsafe("SELECT similarity('게시판', '게시판') AS s");
    assert.equal(Number(row!.s), 1);
  } finally {
    await sql.end();
  }
  await cluster.stop();
  await cluster.start();
  const again = postgres(second, { max: 1 });
  try {
    const [row] = await again.unsafe("SELECT current_database() AS name");
    assert.equal(row!.name, "test_2");
  } finally {
    await again.end();
  }
});
