import assert from "node:assert/strict";
import { postgresBinDir, queryOnce, startPostgres } from "./postgres.ts";

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
  await queryOnce(first, "CREATE EXTENSION pg_trgm");
  const [row] = await queryOnce(first, "SELECT similarity('게시판', '게시판') AS s");
  assert.equal(Number(row!.s), 1);
  await cluster.stop();
  await cluster.start();
  const [again] = await queryOnce(second, "SELECT current_database() AS name");
  assert.equal(again!.name, "test_2");
});
