/**
 * @module PostgreSQL statements for the `board` table, and the posts repository over them.
 * Search reads `search_body` (the post's text as lib/search_text.ts normalises it, written
 * with the post) through its trigram index: `LIKE '%term%'` for each term.
 */

import { searchBody } from "./search_body.ts";
import type { NewPost, PostRepository, PostRow } from "../store.ts";
import { holdsNul, type PgSession } from "./client.ts";

const SELECT_POSTS = `
SELECT b.seq, b.title, b.content, b.create_date, b.update_date, u.username AS author
FROM board AS b LEFT JOIN users AS u ON u.id = b.author_id`;

const NEWEST = Number.MAX_SAFE_INTEGER;

const rowsOf = (rows: Record<string, unknown>[]) => rows as unknown as PostRow[];

/** The posts repository over `db` (the pool, or one transaction). */
export function postgresPosts(db: PgSession): PostRepository {
  return {
    page: async (limit, beforeSeq = NEWEST) =>
      rowsOf(
        await db.query(`${SELECT_POSTS} WHERE b.seq < $1 ORDER BY b.seq DESC LIMIT $2`, [
          beforeSeq,
          limit,
        ]),
      ),
    search: async (terms, limit, beforeSeq = NEWEST) => {
      if (holdsNul(...terms)) return [];
      const { sql, params } = searchStatement(terms, beforeSeq, limit);
      return rowsOf(await db.query(sql, params));
    },
    byAuthor: async (authorId, limit, beforeSeq = NEWEST) =>
      rowsOf(
        await db.query(
          `${SELECT_POSTS} WHERE b.author_id = $1 AND b.seq < $2 ORDER BY b.seq DESC LIMIT $3`,
          [authorId, beforeSeq, limit],
        ),
      ),
    get: async (seq) => rowsOf(await db.query(`${SELECT_POSTS} WHERE b.seq = $1`, [seq]))[0],
    authorId: async (seq) => {
      const [row] = await db.query("SELECT author_id FROM board WHERE seq = $1", [seq]);
      return row === undefined ? undefined : (row.author_id as number | null);
    },
    insert: async (posts) => {
      if (posts.length === 0) return [];
      const { sql, params } = insertStatement(posts);
      const rows = await db.query(sql, params);
      return rows.map((row) => Number(row.seq));
    },
    update: async (seq, post) => {
      const changed = await db.execute(
        `UPDATE board SET title = $1, content = $2, update_date = $3, search_body = $4
         WHERE seq = $5`,
        [post.title, post.content, post.updateDate, searchBody(post.title, post.content), seq],
      );
      return changed > 0;
    },
    remove: async (seq) => await db.execute("DELETE FROM board WHERE seq = $1", [seq]) > 0,
  };
}

/** A statement and the values to bind to it. */
export interface PgStatement {
  readonly sql: string;
  readonly params: (string | number | null)[];
}

/** One multi-row INSERT for `posts`, answering their `seq` values in the given order. */
export function insertStatement(posts: readonly NewPost[]): PgStatement {
  const params: (string | number | null)[] = [];
  const values = posts.map((p) => {
    const at = params.length;
    params.push(
      p.title,
      p.content,
      p.createDate,
      p.createDate,
      p.authorId,
      searchBody(p.title, p.content),
    );
    return `(${[1, 2, 3, 4, 5, 6].map((i) => `$${at + i}`).join(", ")})`;
  });
  // An identity column draws values in VALUES order, so ORDER BY seq gives the input order.
  return {
    sql: `INSERT INTO board (title, content, create_date, update_date, author_id, search_body)
VALUES ${values.join(", ")} RETURNING seq`,
    params,
  };
}

/** `term` as a LIKE pattern that matches it anywhere, `%`, `_` and `\` taken literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Posts whose normalised text contains every one of `terms` (already normalised by
 * lib/search_text.ts), below `beforeSeq`, newest first.
 */
export function searchStatement(
  terms: readonly string[],
  beforeSeq: number,
  limit: number,
): PgStatement {
  if (!terms.some((term) => [...term].length >= 2)) {
    throw new RangeError("A search needs a term of 2 or more characters");
  }
  const params: (string | number)[] = [];
  const where = terms.map((term) => {
    params.push(containsPattern(term));
    return `b.search_body LIKE $${params.length} ESCAPE '\\'`;
  });
  params.push(beforeSeq, limit);
  return {
    sql: `${SELECT_POSTS} WHERE ${where.join(" AND ")} AND b.seq < $${params.length - 1}
ORDER BY b.seq DESC LIMIT $${params.length}`,
    params,
  };
}
