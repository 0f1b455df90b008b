/** @module SQL for the `board` table. */

import type { Database } from "./database.ts";

/** A post as the API shows it: the author's username instead of the id. */
export interface PostRow {
  readonly seq: number;
  readonly title: string;
  readonly content: string;
  readonly create_date: string;
  readonly update_date: string;
  readonly author: string | null;
}

/** A post to insert. */
export interface NewPost {
  readonly title: string;
  readonly content: string;
  readonly createDate: string;
  readonly authorId: number | null;
}

const SELECT_POSTS = `
SELECT b.seq, b.title, b.content, b.create_date, b.update_date, u.username AS author
FROM board AS b LEFT JOIN users AS u ON u.id = b.author_id`;

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
