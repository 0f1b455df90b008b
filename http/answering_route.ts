/** @module The route template of the handler that answered a request, and the HTTP methods semconv knows. */

import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/** The methods the HTTP semantic conventions name; any other is reported as `_OTHER`. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);

/**
 * The route template of the handler that answered; undefined when none matched (a 404).
 * Hono leaves `routeIndex` on the last handler it dispatched, the one that answered: the
 * last matched pattern would name `/board/:count` for `/board/search`. When a middleware
 * answered itself (a 413, a preflight), the request's route is the first one after it.
 */
export function answeringRoute(c: Context): string | undefined {
  const routes = matchedRoutes(c);
  for (let i = c.req.routeIndex; i < routes.length; i++) {
    const path = routes[i]?.path;
    if (path !== undefined && path !== "*" && path !== "/*") return path;
  }
  return undefined;
}
