/** @module 405 answers with `Allow` for every path that exists under other methods. */

import type { Hono } from "hono";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./problem.ts";
import { clip } from "../lib/clip.ts";

const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** Methods in a stable, conventional order for `Allow`. */
function rank(method: string): number {
  const index = ORDER.indexOf(method);
  return index === -1 ? ORDER.length : index;
}

/**
 * Adds, for each route path of `app`, a catch-all answering 405 with the methods that
 * path does serve. Call it after every route is mounted so none can be forgotten.
 */
export function answerMethodNotAllowed(app: Hono<AppEnv>): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of app.routes) {
    if (route.method === "ALL") continue;
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
    methodsByPath.set(route.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].sort((a, b) => rank(a) - rank(b)).join(", ");
    app.all(path, function methodNotAllowed(c) {
      throw new ApiError(
        "method_not_allowed",
        `${clip(c.req.method, 20)} is not allowed on ${clip(c.req.path, 200)}: use ${allow}`,
        { allow },
      );
    });
  }
}
