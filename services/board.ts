/** @module The board's rules: reading, searching, and who may write which post. */

import type { PostRow, Repositories, Store } from "../db/store.ts";
import type { SpanHelpers } from "../telemetry/traced.ts";
import type { AuthenticatedUser } from "./accounts.ts";
import { DomainError } from "./domain_error.ts";
import { MIN_TERM_CHARACTERS, searchTerms } from "../lib/search_text.ts";

export type { PostRow };

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
  latest(count: number): Promise<PostRow[]>;
  /** Up to `limit` posts older than `before` (all when absent), newest first. */
  page(limit: number, before?: number): Promise<PostPage>;
  /** One post, or a not_found error. */
  get(seq: number): Promise<PostRow>;
  /** Posts holding every word of `query` anywhere in title or content, newest first, paged. */
  search(query: string, limit: number, before?: number): Promise<PostPage>;
  /** One author's posts, newest first, paged; not_found for an unknown user. */
  byAuthor(username: string, limit: number, before?: number): Promise<PostPage>;
  create(author: AuthenticatedUser, input: PostInput): Promise<PostRow>;
  /** Replaces title and content; only the author or an admin may. */
  update(actor: AuthenticatedUser, seq: number, input: PostInput): Promise<PostRow>;
  /** Deletes a post; only the author or an admin may. */
  remove(actor: AuthenticatedUser, seq: number): Promise<void>;
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

/** The board service over `store`; each call is a span named `board.<function>`. */
export function createBoardService(
  store: Store,
  spans: SpanHelpers,
  events: PostEvents = { created() {}, updated() {}, deleted() {} },
): BoardService {
  const paged = (rows: PostRow[], limit: number): PostPage => {
    if (rows.length <= limit) return { posts: rows };
    rows.length = limit;
    return { posts: rows, nextBefore: rows[limit - 1]!.seq };
  };
  const mayChange = async (tx: Repositories, actor: AuthenticatedUser, seq: number) => {
    const authorId = await tx.posts.authorId(seq);
    if (authorId === undefined) throw new DomainError("not_found", `There is no post ${seq}`);
    if (actor.role !== "admin" && authorId !== actor.id) {
      throw new DomainError("forbidden", "Only the post's author or an admin may change it");
    }
  };
  const get = async (from: Repositories, seq: number): Promise<PostRow> => {
    const post = await from.posts.get(seq);
    if (post === undefined) throw new DomainError("not_found", `There is no post ${seq}`);
    return post;
  };
  return {
    latest: spans.traced("board.latest", (count: number) => store.posts.page(count)),
    // One row more than asked tells whether another page exists without a COUNT(*).
    page: spans.traced(
      "board.page",
      async (limit: number, before?: number): Promise<PostPage> =>
        paged(await store.posts.page(limit + 1, before), limit),
    ),
    get: spans.traced("board.get", (seq: number) => get(store, seq)),
    search: spans.traced(
      "board.search",
      async (query: string, limit: number, before?: number): Promise<PostPage> => {
        const words = searchWords(query);
        return paged(await store.posts.search(words, limit + 1, before), limit);
      },
    ),
    byAuthor: spans.traced(
      "board.by_author",
      async (username: string, limit: number, before?: number): Promise<PostPage> => {
        const author = await store.users.byName(username);
        if (author === undefined) {
          throw new DomainError("not_found", `There is no user "${username}"`);
        }
        return paged(await store.posts.byAuthor(author.id, limit + 1, before), limit);
      },
    ),
    create: spans.traced("board.create", async (author: AuthenticatedUser, input: PostInput) => {
      validatePost(input);
      const [seq] = await store.posts.insert([{
        title: input.title,
        content: input.content,
        createDate: new Date().toISOString(),
        authorId: author.id,
      }]);
      events.created();
      return await get(store, seq!);
    }),
    update: spans.traced(
      "board.update",
      async (actor: AuthenticatedUser, seq: number, input: PostInput) => {
        validatePost(input);
        return await store.transaction(async (tx) => {
          await mayChange(tx, actor, seq);
          await tx.posts.update(seq, { ...input, updateDate: new Date().toISOString() });
          events.updated();
          return await get(tx, seq);
        });
      },
    ),
    remove: spans.traced("board.remove", async (actor: AuthenticatedUser, seq: number) => {
      await store.transaction(async (tx) => {
        await mayChange(tx, actor, seq);
        await tx.posts.remove(seq);
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
        { field },
      );
    }
    const length = [...input[field]].length;
    if (input[field].trim() === "") {
      throw new DomainError("invalid_body", `Field "${field}" must not be empty`, { field });
    }
    if (length > POST_LIMITS[field]) {
      throw new DomainError(
        "invalid_body",
        `Field "${field}" is ${length} characters long; at most ${POST_LIMITS[field]} are allowed`,
        { field },
      );
    }
  }
}

/**
 * The terms of a search query (normalised by lib/search_text.ts), each of which a post must
 * contain; refuses text that cannot be stored, an empty query, one with too many words, and a
 * query of one-character words only (the indexes hold runs of two characters and more, and a
 * single character would match nearly every post; beside a longer word it only narrows).
 */
export function searchWords(query: string): string[] {
  if (!isStorableText(query)) {
    throw new DomainError(
      "invalid_parameter",
      "The search query contains a NUL character or a broken UTF-16 surrogate",
    );
  }
  const words = searchTerms(query);
  if (words.length === 0) throw new DomainError("invalid_parameter", "The search query is empty");
  if (words.length > MAX_QUERY_WORDS) {
    throw new DomainError(
      "invalid_parameter",
      `The search query has ${words.length} words; at most ${MAX_QUERY_WORDS} are allowed`,
    );
  }
  if (words.every((word) => [...word].length < MIN_TERM_CHARACTERS)) {
    throw new DomainError(
      "invalid_parameter",
      `Cannot search for ${words.map((word) => `"${word}"`).join(" ")} alone: a search needs ` +
        `a word of at least ${MIN_TERM_CHARACTERS} characters (one character would match ` +
        "nearly every post)",
    );
  }
  return words;
}
