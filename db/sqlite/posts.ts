/** @module SQLite statements for the `board` table, and the posts repository over them. */

import type { Database } from "../database.ts";
import type { NewPost, PostRepository, PostRow } from "../store.ts";
import type { Run } from "./gate.ts";

const SELECT_POSTS = `
SELECT b.seq, b.title, b.content, b.create_date, b.update_date, u.username AS author
FROM board AS b LEFT JOIN users AS u ON u.id = b.author_id`;

const NEWEST = Number.MAX_SAFE_INTEGER;

/** The posts repository over `db`; every call goes through `run`. */
export function sqlitePosts(db: Database, run: Run): PostRepository {
  return {
    page: (limit, beforeSeq = NEWEST) => run(() => selectPostsBefore(db, beforeSeq, limit)),
    search: (words, limit, beforeSeq = NEWEST) =>
      run(() => searchPostsBefore(db, ftsMatch(words), beforeSeq, limit)),
    byAuthor: (authorId, limit, beforeSeq = NEWEST) =>
      run(() => selectPostsByAuthorBefore(db, authorId, beforeSeq, limit)),
    get: (seq) => run(() => selectPost(db, seq)),
    authorId: (seq) => run(() => selectPostAuthorId(db, seq)),
    insert: (posts) => run(() => insertPosts(db, posts)),
    update: (seq, post) => run(() => updatePost(db, seq, post)),
    remove: (seq) => run(() => deletePost(db, seq)),
  };
}

/**
 * The words as an FTS5 query: every word becomes a quoted string (quotes doubled), so
 * nothing the user types is read as FTS syntax (AND, NEAR, *, :, parentheses…).
 */
export function ftsMatch(words: readonly string[]): string {
  return words.map((word) => `"${word.replaceAll('"', '""')}"`).join(" ");
}

/** At most `limit` posts with `seq` below `beforeSeq`, newest first. */
export function selectPostsBefore(db: Database, beforeSeq: number, limit: number): PostRow[] {
  return db.prepare(`${SELECT_POSTS} WHERE b.seq < ? ORDER BY b.seq DESC LIMIT ?`)
    .all(beforeSeq, limit) as unknown as PostRow[];
}

/** Inserts posts in one transaction and returns their `seq` values. */
export function insertPosts(db: Database, posts: readonly NewPost[]): number[] {
  const insert = db.prepare(
    "INSERT INTO board (title, content, create_date, update_date, author_id) VALUES (?, ?, ?, ?, ?)",
  );
  return db.transaction(() =>
    posts.map((p) =>
      Number(insert.run(p.title, p.content, p.createDate, p.createDate, p.authorId).lastInsertRowid)
    )
  );
}

/** One post, if it exists. */
export function selectPost(db: Database, seq: number): PostRow | undefined {
  return db.prepare(`${SELECT_POSTS} WHERE b.seq = ?`).get(seq) as PostRow | undefined;
}

/** The author id of a post (null for demo posts); undefined when the post does not exist. */
export function selectPostAuthorId(db: Database, seq: number): number | null | undefined {
  const row = db.prepare("SELECT author_id FROM board WHERE seq = ?").get(seq);
  return row === undefined ? undefined : (row.author_id as number | null);
}

/** Replaces a post's title and content; returns whether it existed. */
export function updatePost(
  db: Database,
  seq: number,
  post: { title: string; content: string; updateDate: string },
): boolean {
  const result = db.prepare(
    "UPDATE board SET title = ?, content = ?, update_date = ? WHERE seq = ?",
  )
    .run(post.title, post.content, post.updateDate, seq);
  return Number(result.changes) > 0;
}

/** Deletes a post; returns whether it existed. */
export function deletePost(db: Database, seq: number): boolean {
  return Number(db.prepare("DELETE FROM board WHERE seq = ?").run(seq).changes) > 0;
}

/** At most `limit` posts matching the FTS5 `match` expression, newest first, below `beforeSeq`. */
export function searchPostsBefore(
  db: Database,
  match: string,
  beforeSeq: number,
  limit: number,
): PostRow[] {
  return db.prepare(
    `${SELECT_POSTS} WHERE b.seq IN (SELECT rowid FROM board_fts WHERE board_fts MATCH ?)
     AND b.seq < ? ORDER BY b.seq DESC LIMIT ?`,
  ).all(match, beforeSeq, limit) as unknown as PostRow[];
}

/** At most `limit` posts by one author below `beforeSeq`, newest first. */
export function selectPostsByAuthorBefore(
  db: Database,
  authorId: number,
  beforeSeq: number,
  limit: number,
): PostRow[] {
  return db.prepare(
    `${SELECT_POSTS} WHERE b.author_id = ? AND b.seq < ? ORDER BY b.seq DESC LIMIT ?`,
  )
    .all(authorId, beforeSeq, limit) as unknown as PostRow[];
}
