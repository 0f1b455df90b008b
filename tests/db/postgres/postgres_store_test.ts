/**
 * @module Tests for the PostgreSQL store against a real throwaway cluster: migrations under the
 * lock, the repositories, and search giving the SQLite store's answers on a shared fixture.
 */

import assert from "node:assert/strict";
import { openPostgres } from "../../../db/postgres/client.ts";
import { migratePostgres } from "../../../db/postgres/migrations.ts";
import { openPostgresDatabase } from "../../../db/postgres/open.ts";
import { createPostgresStore } from "../../../db/postgres/postgres_store.ts";
import { createSqliteStore } from "../../../db/sqlite/sqlite_store.ts";
import type { NewPost, Store } from "../../../db/store.ts";
import { searchTerms } from "../../../lib/search_text.ts";
import { memoryDb } from "../../../testing/memory_db.ts";
import { type PostgresCluster, postgresTests } from "../../../testing/postgres.ts";

const { pgTest } = await postgresTests();

async function freshStore(c: PostgresCluster): Promise<Store & AsyncDisposable> {
  const { db } = await openPostgresDatabase({ url: await c.freshDatabase(), poolSize: 4 });
  const store = createPostgresStore(db);
  return { ...store, [Symbol.asyncDispose]: () => store.close() };
}

const post = (title: string, content: string, i: number): NewPost => ({
  title,
  content,
  createDate: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  authorId: null,
});

pgTest("two stores migrating one fresh database together apply each migration once", async (c) => {
  const url = await c.freshDatabase();
  const opened = await Promise.all([1, 2, 3].map(() => openPostgresDatabase({ url, poolSize: 2 })));
  try {
    assert.deepEqual(opened.map((o) => o.created).sort(), [false, false, true]);
    const rows = await opened[0]!.db.query("SELECT version, name FROM schema_migrations");
    assert.deepEqual(rows, [{ version: 1, name: "initial" }]);
  } finally {
    await Promise.all(opened.map((o) => o.db.close()));
  }
  const again = await openPostgresDatabase({ url, poolSize: 2 });
  assert.equal(again.created, false);
  assert.equal(again.version, 1);
  // An older otel-board (knowing fewer migrations) refuses the newer schema.
  await assert.rejects(migratePostgres(again.db, []), /schema version 1, newer than this/);
  await again.db.close();
});

pgTest("posts, users and sessions round-trip with the API's exact values", async (c) => {
  await using store = await freshStore(c);
  const userId = await store.users.insert({
    username: "alice",
    passwordHash: "hash",
    role: "user",
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  assert.equal(typeof userId, "number");
  const [seq] = await store.posts.insert([{ ...post("제목", "내용", 0), authorId: userId }]);
  assert.deepEqual(await store.posts.get(seq!), {
    seq,
    title: "제목",
    content: "내용",
    create_date: "2026-01-01T00:00:00.000Z",
    update_date: "2026-01-01T00:00:00.000Z",
    author: "alice",
  });
  assert.equal(await store.posts.authorId(seq!), userId);
  assert.equal(await store.posts.update(seq!, { title: "t", content: "c", updateDate: "x" }), true);
  assert.equal(
    await store.posts.update(9999, { title: "t", content: "c", updateDate: "x" }),
    false,
  );
  assert.deepEqual(await store.users.pageAfter(0, 10), [{
    id: userId,
    username: "alice",
    role: "user",
    disabled: 0,
    created_at: "2026-01-01T00:00:00.000Z",
  }]);
  await store.sessions.insert({
    tokenHash: "a".repeat(64),
    userId,
    createdAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2026-01-02T00:00:00.000Z",
  });
  assert.equal(
    (await store.sessions.userOf("a".repeat(64), "2026-01-01T12:00:00.000Z"))?.username,
    "alice",
  );
  assert.equal(await store.sessions.userOf("a".repeat(64), "2026-01-02T00:00:00.000Z"), undefined);
  assert.equal(await store.sessions.removeExpired("2026-01-03T00:00:00.000Z"), 1);
  assert.equal(await store.posts.remove(seq!), true);
  assert.equal(await store.posts.remove(seq!), false);
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.posts.insert([post("rolled back", "x", 1)]);
      throw new Error("Changed my mind");
    }),
    /Changed my mind/,
  );
  assert.deepEqual(await store.posts.page(10), []);
});

const FIXTURE: [string, string][] = [
  ["자유게시판에", "글을 남겨 주세요"],
  ["안내", "게시판입니다"],
  ["공지사항", "이번 주 점검 일정"],
  ["Café", "Crème brûlée STRASSE"],
  ["100% sure", "a_b and a\\b"],
  ["인사", "여러분 안녕하세요"],
  ["Apple pie", "I like apple juice"],
];

const QUERIES = [
  "게시판",
  "공지",
  "안녕",
  "게시판 글을",
  "cafe",
  "CAFÉ",
  "creme brulee",
  "straße",
  "100%",
  "%",
  "a_b",
  "a\\b",
  "apple",
  "pp e",
  "없는말",
];

pgTest("search gives the SQLite store's answers on a shared fixture", async (c) => {
  await using pg = await freshStore(c);
  using memory = memoryDb();
  const sqlite = createSqliteStore(memory.db);
  const posts = FIXTURE.map(([title, content], i) => post(title, content, i));
  assert.deepEqual(await pg.posts.insert(posts), await sqlite.posts.insert(posts));
  for (const query of QUERIES) {
    const terms = searchTerms(query);
    if (!terms.some((t) => [...t].length >= 2)) continue;
    // As the API writes them: same keys in the same order, same values.
    assert.equal(
      JSON.stringify(await pg.posts.search(terms, 100)),
      JSON.stringify(await sqlite.posts.search(terms, 100)),
      `q=${JSON.stringify(query)}`,
    );
  }
  assert.equal(
    JSON.stringify(await pg.posts.search(["게시판"], 1, 2)),
    JSON.stringify(await sqlite.posts.search(["게시판"], 1, 2)),
  );
});

pgTest("a pool whose server is not there rejects with StoreUnavailableError", async (c) => {
  const db = openPostgres({ url: `postgres://postgres@127.0.0.1:${c.port + 1}/none`, poolSize: 2 });
  const store = createPostgresStore(db);
  try {
    await assert.rejects(store.ping(), { name: "StoreUnavailableError" });
  } finally {
    await store.close();
  }
}, true);
