/**
 * @module The board: `GET /board` (paged), `GET /board/{n}` (the latest n), search, and
 * one post's read, create, replace and delete.
 */

import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";
import { beforeCursor, linkNextPage, MAX_PAGE_SIZE, pageSize } from "../http/paging.ts";
import { parseWholeNumber, readQuery } from "../http/query.ts";
import { requireUser } from "../http/auth.ts";
import { readJsonObject } from "../http/json_body.ts";
import { ApiError } from "../http/problem.ts";
import { rateLimited, type RateLimiter } from "../http/rate_limit.ts";
import { type BoardService, MAX_QUERY_LENGTH } from "../services/board.ts";

/** The rate limits of the board routes. */
export interface BoardLimits {
  readonly post: RateLimiter;
  readonly search: RateLimiter;
}

const POST_FIELDS = { title: "string", content: "string" } as const;

/** Routes under `/board`. */
export function boardRoutes(board: BoardService, limits: BoardLimits): Hono<AppEnv> {
  const byAddress = (c: { get(key: "clientIp"): string | null }) => c.get("clientIp") ?? "unknown";
  return new Hono<AppEnv>()
    .post("/", rateLimited(limits.post, byAddress, "new posts"), async (c) => {
      const author = requireUser(c);
      const body = await readJsonObject(c, POST_FIELDS);
      const post = await board.create(author, { title: body.title!, content: body.content! });
      return c.json(post, 201, { location: `/board/posts/${post.seq}` });
    })
    .get("/search", rateLimited(limits.search, byAddress, "searches"), async (c) => {
      const query = readQuery(new URL(c.req.url), ["q", "limit", "before"]);
      const q = query.get("q") ?? "";
      if (q.trim() === "") {
        throw new ApiError("invalid_parameter", 'Cannot search: "q" is missing or empty');
      }
      if ([...q].length > MAX_QUERY_LENGTH) {
        throw new ApiError(
          "invalid_parameter",
          `Cannot search: "q" is longer than ${MAX_QUERY_LENGTH} characters`,
        );
      }
      const page = await board.search(q, pageSize(query), beforeCursor(query));
      linkNextPage(c, query, "before", page.nextBefore);
      return c.json(page.posts);
    })
    .get("/posts/:seq", async (c) => c.json(await board.get(postSeq(c.req.param("seq")))))
    .put("/posts/:seq", async (c) => {
      const actor = requireUser(c);
      const seq = postSeq(c.req.param("seq"));
      const body = await readJsonObject(c, POST_FIELDS);
      return c.json(await board.update(actor, seq, { title: body.title!, content: body.content! }));
    })
    .delete("/posts/:seq", async (c) => {
      const actor = requireUser(c);
      await board.remove(actor, postSeq(c.req.param("seq")));
      return c.body(null, 204);
    })
    .get("/", async (c) => {
      const query = readQuery(new URL(c.req.url), ["limit", "before"]);
      const page = await board.page(pageSize(query), beforeCursor(query));
      linkNextPage(c, query, "before", page.nextBefore);
      return c.json(page.posts);
    })
    .get("/:count", async (c) => {
      const count = parseWholeNumber(c.req.param("count"), "count", 1, MAX_PAGE_SIZE);
      return c.json(await board.latest(count));
    });
}

function postSeq(raw: string): number {
  return parseWholeNumber(raw, "post number", 1, Number.MAX_SAFE_INTEGER);
}
