/** @module The demo posts a fresh database starts with, so `GET /board/5` shows something. */

import type { PostRepository } from "./store.ts";

/**
 * The demo posts' text, oldest first. A post is an untouched demo post when it has no author,
 * was never edited (`create_date = update_date`), was not imported, and its title and content
 * are exactly one of these: `import-flask` removes such posts, and only those.
 */
export const DEMO_POSTS: readonly { readonly title: string; readonly content: string }[] = [
  {
    title: "Welcome to otel-board",
    content: "A small bulletin board that logs every API call. Try GET /board/5 and GET /log.",
  },
  {
    title: "Every call leaves a row",
    content: "Each request (404s and 405s included) is written to the log_api table: " +
      "client address, path, query string, method, status and duration.",
  },
  {
    title: "Paging through the board",
    content: "GET /board answers 100 posts at a time, newest first. Follow the Link header " +
      '(rel="next") to read the rest.',
  },
  {
    title: "Errors you can read",
    content: "Bad input gets an application/problem+json answer with a status, a code and " +
      "a sentence saying what to change.",
  },
  {
    title: "Behind nginx",
    content: "otel-board listens on 127.0.0.1:5000 by default and trusts X-Forwarded-For only " +
      "from TRUSTED_PROXIES.",
  },
  {
    title: "Demo data",
    content: "These posts were written when the database was created. Set DEMO_DATA=false " +
      "to start with an empty board.",
  },
];

/** Inserts the demo posts, oldest first and a minute apart, ending at `now`. */
export async function insertDemoPosts(posts: PostRepository, now: Date): Promise<number> {
  const step = 60_000;
  const first = now.getTime() - step * (DEMO_POSTS.length - 1);
  await posts.insert(
    DEMO_POSTS.map((post, i) => ({
      ...post,
      createDate: new Date(first + i * step).toISOString(),
      authorId: null,
    })),
  );
  return DEMO_POSTS.length;
}
