/**
 * @module Paged collections: the `limit` and `before` query parameters and the RFC 8288
 * `Link` header to the next page, the same for every list the API answers.
 */

import type { Context } from "hono";
import { parseWholeNumber } from "./query.ts";

/** Items in a page when `limit` is absent. */
export const DEFAULT_PAGE_SIZE = 100;
/** Most items one page (or one answer) may hold. */
export const MAX_PAGE_SIZE = 1000;

/**
 * The page size asked for by `limit` (1 to MAX_PAGE_SIZE), DEFAULT_PAGE_SIZE when absent.
 * @throws {ApiError} `invalid_parameter` when `limit` is not such a number.
 */
export function pageSize(query: ReadonlyMap<string, string>): number {
  const raw = query.get("limit");
  return raw === undefined ? DEFAULT_PAGE_SIZE : parseWholeNumber(raw, "limit", 1, MAX_PAGE_SIZE);
}

/**
 * The `before` cursor (a seq: the page holds items older than it); undefined when absent.
 * @throws {ApiError} `invalid_parameter` when `before` is not a positive whole number.
 */
export function beforeCursor(query: ReadonlyMap<string, string>): number | undefined {
  const raw = query.get("before");
  return raw === undefined
    ? undefined
    : parseWholeNumber(raw, "before", 1, Number.MAX_SAFE_INTEGER);
}

/**
 * Answers `Link: <path?…&{cursor}={next}>; rel="next"` (a relative URL keeping the other
 * parameters as given) when there is a next page, that is when `next` is defined.
 */
export function linkNextPage(
  c: Context,
  query: ReadonlyMap<string, string>,
  cursor: "before" | "after",
  next: number | string | undefined,
): void {
  if (next === undefined) return;
  const params = new URLSearchParams([...query].filter(([name]) => name !== cursor));
  params.set(cursor, String(next));
  c.header("link", `<${c.req.path}?${params}>; rel="next"`);
}
