/** @module Admin views: users, one user's posts, role and disabled changes. */

import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";
import { requireAdmin } from "../http/auth.ts";
import { readJsonObject } from "../http/json_body.ts";
import { beforeCursor, linkNextPage, pageSize } from "../http/paging.ts";
import { ApiError } from "../http/problem.ts";
import { readQuery } from "../http/query.ts";
import type { AccountsService } from "../services/accounts.ts";
import type { BoardService } from "../services/board.ts";

/** `GET /admin/users`, `GET /admin/users/{username}/posts`, `PATCH /admin/users/{username}`. */
export function adminRoutes(accounts: AccountsService, board: BoardService): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/users", async (c) => {
      requireAdmin(c);
      const query = readQuery(new URL(c.req.url), ["limit", "after"]);
      const page = await accounts.list(pageSize(query), query.get("after"));
      linkNextPage(c, query, "after", page.next);
      return c.json(page.users);
    })
    .get("/users/:username/posts", async (c) => {
      requireAdmin(c);
      const username = c.req.param("username");
      const query = readQuery(new URL(c.req.url), ["limit", "before"]);
      const page = await board.byAuthor(username, pageSize(query), beforeCursor(query));
      linkNextPage(c, query, "before", page.nextBefore);
      return c.json(page.posts);
    })
    .patch("/users/:username", async (c) => {
      const actor = requireAdmin(c);
      const body = await readJsonObject(c, { role: "string?", disabled: "boolean?" });
      const role = body.role;
      if (role !== undefined && role !== "user" && role !== "admin") {
        throw new ApiError("invalid_body", 'Field "role" must be "user" or "admin"');
      }
      if (role === undefined && body.disabled === undefined) {
        throw new ApiError("invalid_body", 'Send "role", "disabled" or both');
      }
      const patch = {
        ...(role === undefined ? {} : { role: role as "user" | "admin" }),
        ...(body.disabled === undefined ? {} : { disabled: body.disabled as boolean }),
      };
      return c.json(await accounts.update(actor, c.req.param("username"), patch));
    });
}
