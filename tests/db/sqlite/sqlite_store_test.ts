/** @module Tests for the SQLite store: repositories over one connection, and its transactions. */

import assert from "node:assert/strict";
import { createSqliteStore } from "../../../db/sqlite/sqlite_store.ts";
import type { NewPost } from "../../../db/store.ts";
import { memoryDb } from "../../../testing/memory_db.ts";
import { sleep } from "../../../testing/sleep.ts";

function post(title: string): NewPost {
  return {
    title,
    content: `${title} content`,
    createDate: "2026-01-01T00:00:00.000Z",
    authorId: null,
  };
}

function titles(db: ReturnType<typeof memoryDb>["db"]): string[] {
  return db.prepare("SELECT title FROM board ORDER BY seq").all().map((r) => String(r.title));
}

Deno.test("a write from outside an open transaction waits for it, and survives its rollback", async () => {
  using t = memoryDb();
  const store = createSqliteStore(t.db);
  let outsideDone = false;
  let outsideDoneInTransaction: boolean | undefined;
  const failing = store.transaction(async (tx) => {
    await tx.posts.insert([post("inside")]);
    // Yield long enough for the other request's write to be attempted meanwhile.
    await sleep(20);
    outsideDoneInTransaction = outsideDone;
    throw new Error("Changed my mind");
  });
  // Started while the transaction is open: without the gate it would run inside it.
  await sleep(5);
  const outside = store.posts.insert([post("outside")]).then((seqs) => {
    outsideDone = true;
    return seqs;
  });
  await assert.rejects(failing, /Changed my mind/);
  const [seq] = await outside;
  assert.equal(outsideDoneInTransaction, false, "the outside write waited for the transaction");
  assert.deepEqual(titles(t.db), ["outside"], "the outside write survived the rollback");
  assert.deepEqual((await store.posts.get(seq!))?.title, "outside");
});

Deno.test("calls through the transaction's repositories run at once and commit together", async () => {
  using t = memoryDb();
  const store = createSqliteStore(t.db);
  const seqs = await store.transaction(async (tx) => {
    const [first] = await tx.posts.insert([post("one")]);
    const [second] = await tx.posts.insert([post("two")]);
    assert.equal((await tx.posts.get(first!))?.title, "one", "reads see the transaction's writes");
    return [first, second];
  });
  assert.equal(seqs.length, 2);
  assert.deepEqual(titles(t.db), ["one", "two"]);
});

Deno.test("transactions from two callers run one after the other", async () => {
  using t = memoryDb();
  const store = createSqliteStore(t.db);
  const order: string[] = [];
  const body =
    (name: string) => async (tx: Parameters<Parameters<typeof store.transaction>[0]>[0]) => {
      order.push(`${name} begins`);
      await tx.posts.insert([post(name)]);
      await sleep(5);
      order.push(`${name} ends`);
    };
  await Promise.all([store.transaction(body("a")), store.transaction(body("b"))]);
  assert.deepEqual(order, ["a begins", "a ends", "b begins", "b ends"]);
  assert.deepEqual(titles(t.db), ["a", "b"]);
});

Deno.test("a repository call answers with a rejected promise, never a throw, when SQLite refuses", async () => {
  using t = memoryDb();
  const store = createSqliteStore(t.db);
  const tooLong = { ...post("x"), title: "x".repeat(31) };
  let pending: Promise<unknown> | undefined;
  assert.doesNotThrow(() => pending = store.posts.insert([tooLong]));
  await assert.rejects(pending!, /CHECK constraint failed/);
  await store.ping();
  await store.close();
  await assert.rejects(store.ping());
});
