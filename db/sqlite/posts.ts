/** @module SQLite statements for the `board` table, and the posts repository over them. */

import type { Database } from "../database.ts";
import type { NewPost, PostRepository, PostRow } from "../store.ts";
import type { Run } from "./gate.ts";
import { SEARCH_BODY_FUNCTION } from "../search_functions.ts";

const SELECT_POSTS = `
SELECT b.seq, b.title, b.content, b.create_date, b.update_date, u.username AS author
FROM board AS b LEFT JOIN users AS u ON u.id = b.author_id`;

const NEWEST = Number.MAX_SAFE_INTEGER;

/** A search term's length in characters (code points), as the indexes count them. */
const length = (term: string) => [...term].length;

/** The posts repository over `db`; every call goes through `run`. */
export function sqlitePosts(db: Database, run: Run): PostRepository {
  return {
    page: (limit, beforeSeq = NEWEST) => run(() => selectPostsBefore(db, beforeSeq, limit)),
    search: (terms, limit, beforeSeq = NEWEST) =>
      run(() => searchPostsBefore(db, terms, beforeSeq, limit)),
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
 * The terms of three or more characters as an FTS5 query of the trigram index: each one a
 * quoted string (quotes doubled), so nothing the user types is read as FTS syntax (AND, NEAR,
 * *, :, parentheses…); undefined when there are none.
 */
export function trigramMatch(terms: readonly string[]): string | undefined {
  const long = terms.filter((term) => length(term) > 2);
  return long.length === 0
    ? undefined
    : long.map((term) => `"${term.replaceAll('"', '""')}"`).join(" ");
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

/** A search statement and the values to bind to it. */
export interface SearchStatement {
  readonly sql: string;
  readonly params: (string | number)[];
}

/**
 * The statement for posts holding every one of `terms` (normalised by lib/search_text.ts; at
 * least one of two or more characters), below `beforeSeq`, newest first. The first
 * two-character term drives it through `board_pairs` (one index range read in seq order);
 * without one, the trigram index drives it (FTS5 walks its rowids newest first). The other
 * terms are checked against their index for each candidate, and one-character terms against
 * the candidate's normalised text.
 */
export function searchStatement(
  terms: readonly string[],
  beforeSeq: number,
  limit: number,
): SearchStatement {
  const [first, ...otherPairs] = terms.filter((term) => length(term) === 2);
  const match = trigramMatch(terms);
  const singles = terms.filter((term) => length(term) === 1);
  const params: (string | number)[] = [];
  const where: string[] = [];
  let from: string;
  let seq: string;
  if (first === undefined) {
    if (match === undefined) throw new RangeError("A search needs a term of 2 or more characters");
    from = "board_trigrams JOIN board AS b ON b.seq = board_trigrams.rowid";
    seq = "board_trigrams.rowid";
    where.push("board_trigrams MATCH ?");
    params.push(match);
  } else {
    from = "board_pairs JOIN board AS b ON b.seq = board_pairs.seq";
    seq = "board_pairs.seq";
    where.push("board_pairs.pair = ?");
    params.push(first);
    for (const pair of otherPairs) {
      where.push(
        "EXISTS (SELECT 1 FROM board_pairs AS o WHERE o.pair = ? AND o.seq = board_pairs.seq)",
      );
      params.push(pair);
    }
    if (match !== undefined) {
      where.push(
        "board_pairs.seq IN (SELECT rowid FROM board_trigrams WHERE board_trigrams MATCH ?)",
      );
      params.push(match);
    }
  }
  for (const single of singles) {
    where.push(`instr(${SEARCH_BODY_FUNCTION}(b.title, b.content), ?) > 0`);
    params.push(single);
  }
  where.push(`${seq} < ?`);
  params.push(beforeSeq, limit);
  return {
    sql: `SELECT b.seq, b.title, b.content, b.create_date, b.update_date, u.username AS author
FROM ${from} LEFT JOIN users AS u ON u.id = b.author_id
WHERE ${where.join(" AND ")} ORDER BY ${seq} DESC LIMIT ?`,
    params,
  };
}

/** At most `limit` posts holding every one of `terms` (see searchStatement), newest first. */
export function searchPostsBefore(
  db: Database,
  terms: readonly string[],
  beforeSeq: number,
  limit: number,
): PostRow[] {
  const { sql, params } = searchStatement(terms, beforeSeq, limit);
  return db.prepare(sql).all(...params) as unknown as PostRow[];
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
