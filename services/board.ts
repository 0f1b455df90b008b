/** @module Reading the board: the latest posts and newest-first pages. */

import { type PostRow, selectPostsBefore } from "../db/board.ts";
import type { Database } from "../db/database.ts";
import type { SpanHelpers } from "../telemetry/traced.ts";

/** One page of posts and the cursor of the next page, if any posts remain. */
export interface PostPage {
  readonly posts: PostRow[];
  /** Pass as `before` to read the next page; absent on the last page. */
  readonly nextBefore?: number;
}

/** What the board routes ask of the board. */
export interface BoardService {
  /** The latest `count` posts, newest first. */
  latest(count: number): PostRow[];
  /** Up to `limit` posts older than `before` (all when absent), newest first. */
  page(limit: number, before?: number): PostPage;
}

/** The board service over a database; each call is a span named `board.<function>`. */
export function createBoardService(db: Database, spans: SpanHelpers): BoardService {
  return {
    latest: spans.traced(
      "board.latest",
      (count: number) => selectPostsBefore(db, Number.MAX_SAFE_INTEGER, count),
    ),
    page: spans.traced("board.page", (limit: number, before?: number): PostPage => {
      // One row more than asked tells whether another page exists without a COUNT(*).
      const rows = selectPostsBefore(db, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
      if (rows.length <= limit) return { posts: rows };
      rows.length = limit;
      return { posts: rows, nextBefore: rows[limit - 1]!.seq };
    }),
  };
}
