/** @module Tests for page size, cursor and the next-page `Link` header. */

import { Hono } from "hono";
import assert from "node:assert/strict";
import {
  beforeCursor,
  DEFAULT_PAGE_SIZE,
  linkNextPage,
  MAX_PAGE_SIZE,
  pageSize,
} from "../../http/paging.ts";
import { ApiError } from "../../http/problem.ts";

/** Answers the Link header `linkNextPage` sets for `query` and `next`. */
async function linkFor(
  path: string,
  query: Record<string, string>,
  cursor: "before" | "after",
  next: number | string | undefined,
): Promise<string | null> {
  const app = new Hono().get("*", (c) => {
    linkNextPage(c, new Map(Object.entries(query)), cursor, next);
    return c.body(null, 204);
  });
  return (await app.request(path)).headers.get("link");
}

Deno.test("The next-page Link keeps the other parameters and replaces the cursor", async () => {
  assert.equal(
    await linkFor("/board/search", { q: "a b", before: "90", limit: "5" }, "before", 41),
    '</board/search?q=a+b&limit=5&before=41>; rel="next"',
  );
  assert.equal(
    await linkFor("/admin/users", { after: "alice" }, "after", "bob"),
    '</admin/users?after=bob>; rel="next"',
  );
});

Deno.test("The last page has no Link header", async () => {
  assert.equal(await linkFor("/log", { limit: "5" }, "before", undefined), null);
});

Deno.test("limit defaults, is bounded by MAX_PAGE_SIZE, and before is a positive seq", () => {
  assert.equal(pageSize(new Map()), DEFAULT_PAGE_SIZE);
  assert.equal(pageSize(new Map([["limit", String(MAX_PAGE_SIZE)]])), MAX_PAGE_SIZE);
  assert.throws(() => pageSize(new Map([["limit", String(MAX_PAGE_SIZE + 1)]])), ApiError);
  assert.throws(() => pageSize(new Map([["limit", "0"]])), ApiError);
  assert.equal(beforeCursor(new Map()), undefined);
  assert.equal(beforeCursor(new Map([["before", "7"]])), 7);
  assert.throws(() => beforeCursor(new Map([["before", "0"]])), /before/);
});
