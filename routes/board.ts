/** @module The board: `GET /board` (paged) and `GET /board/{n}` (the latest n posts). */

import { Hono } from "hono";
import type { AppEnv } from "../http/app_env.ts";
import { nextPageLink } from "../http/link.ts";
import { parseWholeNumber, readQuery } from "../http/query.ts";
import type { BoardService } from "../services/board.ts";

/** Most posts one answer may hold. */
export const MAX_POSTS_PER_ANSWER = 1000;
/** Page size of `GET /board` when `limit` is absent. */
export const DEFAULT_PAGE_SIZE = 100;

/** Routes under `/board`. */
export function boardRoutes(board: BoardService): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/", (c) => {
      const query = readQuery(new URL(c.req.url), ["limit", "before"]);
      const limit = optionalNumber(query.get("limit"), "limit", 1, MAX_POSTS_PER_ANSWER);
      const before = optionalNumber(query.get("before"), "before", 1, Number.MAX_SAFE_INTEGER);
      const page = board.page(limit ?? DEFAULT_PAGE_SIZE, before);
      if (page.nextBefore !== undefined) {
        c.header("link", nextPageLink(c.req.path, query, page.nextBefore));
      }
      return c.json(page.posts);
    })
    .get("/:count", (c) => {
      readQuery(new URL(c.req.url), []);
      const count = parseWholeNumber(c.req.param("count"), "count", 1, MAX_POSTS_PER_ANSWER);
      return c.json(board.latest(count));
    });
}

function optionalNumber(raw: string | undefined, what: string, min: number, max: number) {
  return raw === undefined ? undefined : parseWholeNumber(raw, what, min, max);
}
