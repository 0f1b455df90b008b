/**
 * @module The store port: the service's data in domain words, one repository per table, every
 * method answering with a Promise. Each engine (db/sqlite/sqlite_store.ts) owns its SQL; no
 * route or service sees SQL, a statement, or which engine answers.
 */

import type { LogApiFilter, LogApiRow, NewLogApiRow } from "./log_api_schema.ts";

/** A post as the API shows it: the author's username instead of the id. */
export interface PostRow {
  readonly seq: number;
  readonly title: string;
  readonly content: string;
  /** Null only for a post imported without a date (import-flask): unknown, never invented. */
  readonly create_date: string | null;
  /** Null only for an imported post with neither date. */
  readonly update_date: string | null;
  readonly author: string | null;
}

/** A post to insert. */
export interface NewPost {
  readonly title: string;
  readonly content: string;
  readonly createDate: string;
  readonly authorId: number | null;
}

/** The posts of the board; "before" means a smaller `seq`, and pages are newest first. */
export interface PostRepository {
  /** At most `limit` posts with `seq` below `beforeSeq` (all when absent), newest first. */
  page(limit: number, beforeSeq?: number): Promise<PostRow[]>;
  /**
   * At most `limit` posts whose title or content contains every one of `terms` anywhere (as
   * substrings), newest first. The terms are normalised by lib/search_text.ts `searchTerms`,
   * each at least MIN_TERM_CHARACTERS long; every engine compares them with the posts' text
   * normalised by the same `searchText`, and reads an index, never every post.
   */
  search(terms: readonly string[], limit: number, beforeSeq?: number): Promise<PostRow[]>;
  /** At most `limit` posts by one author, newest first. */
  byAuthor(authorId: number, limit: number, beforeSeq?: number): Promise<PostRow[]>;
  /** One post, if it exists. */
  get(seq: number): Promise<PostRow | undefined>;
  /** The author id of a post (null for demo posts); undefined when the post does not exist. */
  authorId(seq: number): Promise<number | null | undefined>;
  /** Inserts posts all together (all or none); resolves with their `seq` values. */
  insert(posts: readonly NewPost[]): Promise<number[]>;
  /** Replaces a post's title and content; resolves with whether it existed. */
  update(seq: number, post: { title: string; content: string; updateDate: string }): Promise<
    boolean
  >;
  /** Deletes a post; resolves with whether it existed. */
  remove(seq: number): Promise<boolean>;
}

/** A user's role. */
export type Role = "user" | "admin";

/** A user as stored (with the password hash: never hand this to a client). */
export interface UserRow {
  readonly id: number;
  readonly username: string;
  readonly password_hash: string;
  readonly role: Role;
  readonly disabled: number;
  readonly created_at: string;
}

/** A user as an admin sees it: no hash. */
export type PublicUserRow = Omit<UserRow, "password_hash">;

/** The accounts. */
export interface UserRepository {
  /** The user called `username`, if any. */
  byName(username: string): Promise<UserRow | undefined>;
  /** Inserts a user; resolves with its id. Rejects on a duplicate username. */
  insert(
    user: { username: string; passwordHash: string; role: Role; createdAt: string },
  ): Promise<number>;
  /** Replaces a user's password hash. */
  setPasswordHash(userId: number, passwordHash: string): Promise<void>;
  /** Sets a user's role and disabled flag. */
  setRoleAndDisabled(userId: number, role: Role, disabled: boolean): Promise<void>;
  /** How many enabled admins exist. */
  countActiveAdmins(): Promise<number>;
  /** Up to `limit` users with `id` above `afterId`, oldest first (no hashes). */
  pageAfter(afterId: number, limit: number): Promise<PublicUserRow[]>;
}

/** The user a live session belongs to. */
export interface SessionUserRow {
  readonly user_id: number;
  readonly username: string;
  readonly role: Role;
  readonly expires_at: string;
}

/** Sign-in sessions, stored by token hash (never the token). */
export interface SessionRepository {
  /** Stores a session. */
  insert(
    session: { tokenHash: string; userId: number; createdAt: string; expiresAt: string },
  ): Promise<void>;
  /** The enabled user of a session that has not expired at `now`, if any. */
  userOf(tokenHash: string, now: string): Promise<SessionUserRow | undefined>;
  /** Deletes one session. */
  remove(tokenHash: string): Promise<void>;
  /** Deletes every session of a user except `keepTokenHash` (when given); resolves with how many. */
  removeForUser(userId: number, keepTokenHash?: string): Promise<number>;
  /** Deletes the sessions expired at `now`; resolves with how many. */
  removeExpired(now: string): Promise<number>;
}

/**
 * The call log. Writes and retention may run on another connection (the SQLite engine's
 * worker thread), so they never hold up a request.
 */
export interface LogApiRepository {
  /** Writes rows all together (all or none); resolves once they are committed. */
  insertBatch(rows: readonly NewLogApiRow[]): Promise<void>;
  /**
   * Like `insertBatch`, but on the service's own connection, never handed to a background
   * writer: a forced exit writes the queued rows this way, without waiting behind a batch.
   */
  insertBatchNow(rows: readonly NewLogApiRow[]): Promise<void>;
  /**
   * True when `error` (from `insertBatch`) says the engine refused a row's values: retrying
   * the same row cannot succeed, other rows may.
   */
  isRejectedRow(error: unknown): boolean;
  /**
   * At most `limit` rows matching `filter`, newest first: by `start_time`, then `seq`.
   * `beforeSeq` continues after that row in this order (or, if retention removed it, from
   * the nearest older `seq`), so pages never overlap or skip.
   */
  page(filter: LogApiFilter, limit: number): Promise<LogApiRow[]>;
  /** The `seq` of the newest row that falls outside the newest `keep` rows, if any. */
  seqBeyond(keep: number): Promise<number | undefined>;
  /** Deletes up to `chunk` of the oldest rows that started before `cutoff`; gives how many. */
  deleteOlderThan(cutoff: string, chunk: number): Promise<number>;
  /** Deletes up to `chunk` of the oldest rows with `seq <= lastSeq`; gives how many. */
  deleteUpTo(lastSeq: number, chunk: number): Promise<number>;
  /**
   * Refreshes planner statistics where the table changed a lot (cheap when nothing did), so
   * that filtered reads keep picking the most selective index.
   */
  optimize(): Promise<void>;
}

/** The repositories, as the store and a transaction offer them. */
export interface Repositories {
  readonly posts: PostRepository;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly logApi: LogApiRepository;
}

/**
 * The database stayed locked by another writer (another process) longer than the store waits
 * for it: nothing was written, and the same request may succeed a moment later.
 */
export class StoreBusyError extends Error {
  override name = "StoreBusyError";
}

/** The service's data. */
export interface Store extends Repositories {
  /**
   * Runs `body` in one transaction: committed when it resolves, rolled back when it rejects.
   * Only calls through `tx` belong to it; the store's other callers wait until it ends.
   */
  transaction<T>(body: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs `body` while no other instance on the same database runs its own `exclusive` work
   * (PostgreSQL: the migrations lock; SQLite: one process owns the file, so it just runs).
   * The first admin is created this way, so two instances starting together create it once.
   */
  exclusive<T>(body: () => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query (readiness); rejects otherwise. */
  ping(): Promise<void>;
  /** Closes the connection; further calls fail. */
  close(): Promise<void>;
}

/**
 * The database server does not answer (down, restarting, unreachable): nothing was done, and
 * the same request may succeed once it is back.
 */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}
