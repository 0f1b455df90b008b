/** @module Admin views: users, one user's posts, role and disabled changes. */

import { Hono } from "hono";
import type { AppEnv } from "../http/app_env.ts";
import { requireAdmin } from "../http/auth.ts";
import { readJsonObject } from "../http/json_body.ts";
import { nextPageLink } from "../http/link.ts";
import { ApiError } from "../http/problem.ts";
import { parseWholeNumber, readQuery } from "../http/query.ts";
import type { AccountsService } from "../services/accounts.ts";
import type { BoardService } from "../services/board.ts";

/** `GET /admin/users`, `GET /admin/users/{username}/posts`, `PATCH /admin/users/{username}`. */
export function adminRoutes(accounts: AccountsService, board: BoardService): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/users", async (c) => {
      requireAdmin(c);
      const query = readQuery(new URL(c.req.url), ["limit", "after"]);
      const limit = optionalLimit(query.get("limit"));
      const page = await accounts.list(limit, query.get("after"));
      if (page.next !== undefined) {
        const params = new URLSearchParams([...query].filter(([k]) => k !== "after"));
        params.set("after", page.next);
        c.header("link", `<${c.req.path}?${params}>; rel="next"`);
      }
      return c.json(page.users);
    })
    .get("/users/:username/posts", async (c) => {
      requireAdmin(c);
      const username = c.req.param("username");
      const query = readQuery(new URL(c.req.url), ["limit", "before"]);
      const limit = optionalLimit(query.get("limit"));
      const before = query.get("before");
      const page = await board.byAuthor(
        username,
        limit,
        before === undefined
          ? undefined
          : parseWholeNumber(before, "before", 1, Number.MAX_SAFE_INTEGER),
      );
      if (page.nextBefore !== undefined) {
        c.header("link", nextPageLink(c.req.path, query, page.nextBefore));
      }
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

function optionalLimit(raw: string | undefined): number {
  return raw === undefined ? 100 : parseWholeNumber(raw, "limit", 1, 1000);
}
