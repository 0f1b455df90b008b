/** @module The board's rules: reading, searching, and who may write which post. */

import {
  deletePost,
  insertPosts,
  type PostRow,
  searchPostsBefore,
  selectPost,
  selectPostAuthorId,
  selectPostsBefore,
  selectPostsByAuthorBefore,
  updatePost,
} from "../db/board.ts";
import type { Database } from "../db/database.ts";
import { selectUserByName } from "../db/users.ts";
import type { SpanHelpers } from "../telemetry/traced.ts";
import type { AuthenticatedUser } from "./accounts.ts";
import { DomainError } from "./domain_error.ts";

/** One page of posts and the cursor of the next page, if any posts remain. */
export interface PostPage {
  readonly posts: PostRow[];
  /** Pass as `before` to read the next page; absent on the last page. */
  readonly nextBefore?: number;
}

/** A post's writable fields, as the client sent them. */
export interface PostInput {
  readonly title: string;
  readonly content: string;
}

/** Business events the service reports (counters). */
export interface PostEvents {
  created(): void;
  updated(): void;
  deleted(): void;
}

/** What the board routes ask of the board. */
export interface BoardService {
  /** The latest `count` posts, newest first. */
  latest(count: number): PostRow[];
  /** Up to `limit` posts older than `before` (all when absent), newest first. */
  page(limit: number, before?: number): PostPage;
  /** One post, or a not_found error. */
  get(seq: number): PostRow;
  /** Posts matching every word of `query` in title or content, newest first, paged. */
  search(query: string, limit: number, before?: number): PostPage;
  /** One author's posts, newest first, paged; not_found for an unknown user. */
  byAuthor(username: string, limit: number, before?: number): PostPage;
  create(author: AuthenticatedUser, input: PostInput): PostRow;
  /** Replaces title and content; only the author or an admin may. */
  update(actor: AuthenticatedUser, seq: number, input: PostInput): PostRow;
  /** Deletes a post; only the author or an admin may. */
  remove(actor: AuthenticatedUser, seq: number): void;
}

/** Longest title and content, in characters (code points). */
export const POST_LIMITS = Object.freeze({ title: 30, content: 2000 });
/** Longest search query, in characters. */
export const MAX_QUERY_LENGTH = 200;
/** Most words in one search query (every one must match). */
export const MAX_QUERY_WORDS = 20;

/**
 * False for text SQLite or JSON would silently alter: a NUL ends a string for SQLite's
 * `length()` and FTS5, and a lone surrogate becomes U+FFFD on the way out.
 */
function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && text.isWellFormed();
}

/** The board service over a database; each call is a span named `board.<function>`. */
export function createBoardService(
  db: Database,
  spans: SpanHelpers,
  events: PostEvents = { created() {}, updated() {}, deleted() {} },
): BoardService {
  const paged = (rows: PostRow[], limit: number): PostPage => {
    if (rows.length <= limit) return { posts: rows };
    rows.length = limit;
    return { posts: rows, nextBefore: rows[limit - 1]!.seq };
  };
  const mayChange = (actor: AuthenticatedUser, seq: number) => {
    const authorId = selectPostAuthorId(db, seq);
    if (authorId === undefined) throw new DomainError("not_found", `There is no post ${seq}`);
    if (actor.role !== "admin" && authorId !== actor.id) {
      throw new DomainError("forbidden", "Only the post's author or an admin may change it");
    }
  };
  const get = (seq: number): PostRow => {
    const post = selectPost(db, seq);
    if (post === undefined) throw new DomainError("not_found", `There is no post ${seq}`);
    return post;
  };
  return {
    latest: spans.traced(
      "board.latest",
      (count: number) => selectPostsBefore(db, Number.MAX_SAFE_INTEGER, count),
    ),
    // One row more than asked tells whether another page exists without a COUNT(*).
    page: spans.traced(
      "board.page",
      (limit: number, before?: number): PostPage =>
        paged(selectPostsBefore(db, before ?? Number.MAX_SAFE_INTEGER, limit + 1), limit),
    ),
    get: spans.traced("board.get", get),
    search: spans.traced("board.search", (query: string, limit: number, before?: number) => {
      const match = ftsQuery(query);
      return paged(
        searchPostsBefore(db, match, before ?? Number.MAX_SAFE_INTEGER, limit + 1),
        limit,
      );
    }),
    byAuthor: spans.traced(
      "board.by_author",
      (username: string, limit: number, before?: number) => {
        const author = selectUserByName(db, username);
        if (author === undefined) {
          throw new DomainError("not_found", `There is no user "${username}"`);
        }
        return paged(
          selectPostsByAuthorBefore(db, author.id, before ?? Number.MAX_SAFE_INTEGER, limit + 1),
          limit,
        );
      },
    ),
    create: spans.traced("board.create", (author: AuthenticatedUser, input: PostInput) => {
      validatePost(input);
      const [seq] = insertPosts(db, [{
        title: input.title,
        content: input.content,
        createDate: new Date().toISOString(),
        authorId: author.id,
      }]);
      events.created();
      return get(seq!);
    }),
    update: spans.traced(
      "board.update",
      (actor: AuthenticatedUser, seq: number, input: PostInput) => {
        validatePost(input);
        return db.transaction(() => {
          mayChange(actor, seq);
          updatePost(db, seq, { ...input, updateDate: new Date().toISOString() });
          events.updated();
          return get(seq);
        });
      },
    ),
    remove: spans.traced("board.remove", (actor: AuthenticatedUser, seq: number) => {
      db.transaction(() => {
        mayChange(actor, seq);
        deletePost(db, seq);
      });
      events.deleted();
    }),
  };
}

function validatePost(input: PostInput): void {
  for (const field of ["title", "content"] as const) {
    if (!isStorableText(input[field])) {
      throw new DomainError(
        "invalid_body",
        `Field "${field}" contains a NUL character or a broken UTF-16 surrogate`,
      );
    }
    const length = [...input[field]].length;
    if (input[field].trim() === "") {
      throw new DomainError("invalid_body", `Field "${field}" must not be empty`);
    }
    if (length > POST_LIMITS[field]) {
      throw new DomainError(
        "invalid_body",
        `Field "${field}" is ${length} characters long; at most ${POST_LIMITS[field]} are allowed`,
      );
    }
  }
}

/**
 * The user's words as an FTS5 query: every word becomes a quoted string (quotes doubled), so
 * nothing the user types is read as FTS syntax (AND, NEAR, *, :, parentheses…).
 */
export function ftsQuery(query: string): string {
  if (!isStorableText(query)) {
    throw new DomainError(
      "invalid_parameter",
      "The search query contains a NUL character or a broken UTF-16 surrogate",
    );
  }
  const words = query.split(/\s+/u).filter((word) => word !== "");
  if (words.length === 0) throw new DomainError("invalid_parameter", "The search query is empty");
  if (words.length > MAX_QUERY_WORDS) {
    throw new DomainError(
      "invalid_parameter",
      `The search query has ${words.length} words; at most ${MAX_QUERY_WORDS} are allowed`,
    );
  }
  return words.map((word) => `"${word.replaceAll('"', '""')}"`).join(" ");
}
