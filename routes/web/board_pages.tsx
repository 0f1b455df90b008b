/** @module The board for people: `/` (newest first, paged, searchable) and `/posts/{seq}`. */

import { type Context, Hono } from "hono";
import type { AppEnv } from "../../http/context.ts";
import type { Child } from "hono/jsx";
import { beforeCursor } from "../../http/paging.ts";
import { ApiError } from "../../http/problem.ts";
import { parseWholeNumber, readQuery } from "../../http/query.ts";
import { rateLimited } from "../../http/rate_limit.ts";
import type { AuthenticatedUser } from "../../services/accounts.ts";
import { type BoardService, MAX_QUERY_LENGTH, type PostPage } from "../../services/board.ts";
import type { PostRow } from "../../services/board.ts";
import { DomainError } from "../../services/domain_error.ts";
import type { BoardLimits } from "../board.ts";
import { type MessageKey, text } from "./i18n.ts";
import { renderPage, Time } from "./layout.tsx";
import type { PageInfo, WebEnv } from "./page_context.ts";

/** Posts on one page of the board. */
export const BOARD_PAGE_SIZE = 20;
/** Characters of a post's content shown on the board. */
const EXCERPT_CHARACTERS = 140;

/** `GET /` and `GET /posts/:seq`. */
export function boardPages(board: BoardService, limits: BoardLimits): Hono<WebEnv> {
  // Only a search counts against the search limit; browsing the board does not.
  const searchesByAddress = (c: Context<AppEnv>) =>
    (c.req.query("q") ?? "").trim() === "" ? null : c.get("clientIp") ?? "unknown";
  return new Hono<WebEnv>()
    .get("/", rateLimited(limits.search, searchesByAddress, "searches"), async (c) => {
      const page = c.get("page");
      const query = readQuery(new URL(c.req.url), ["q", "before"]);
      const before = beforeCursor(query);
      const q = (query.get("q") ?? "").trim();
      let found: PostPage | undefined;
      let badSearch = false;
      if (q === "") found = await board.page(BOARD_PAGE_SIZE, before);
      else if ([...q].length > MAX_QUERY_LENGTH) badSearch = true;
      else {
        try {
          found = await board.search(q, BOARD_PAGE_SIZE, before);
        } catch (error) {
          if (!(error instanceof DomainError) || error.kind !== "invalid_parameter") throw error;
          badSearch = true;
        }
      }
      const t = (key: MessageKey, values?: Record<string, string>) => text(page.lang, key, values);
      const older = found?.nextBefore === undefined ? undefined : `/?${new URLSearchParams({
        ...(q === "" ? {} : { q }),
        before: String(found.nextBefore),
      })}`;
      const content = (
        <>
          <h1>{q === "" ? t("board.heading") : t("board.resultsFor", { q })}</h1>
          <form method="get" action="/" class="search" role="search">
            <label for="q" class="visually-hidden">{t("board.searchLabel")}</label>
            <input id="q" name="q" type="search" value={q} placeholder={t("board.searchLabel")} />
            <button type="submit">{t("board.searchButton")}</button>
          </form>
          {badSearch ? <p class="banner" role="alert">{t("board.badSearch")}</p> : ""}
          {found === undefined || found.posts.length > 0
            ? ""
            : <p class="card">{q === "" ? t("board.empty") : t("board.noResults")}</p>}
          <ul class="posts">
            {(found?.posts ?? []).map((post) => (
              <PostCard key={post.seq} page={page} post={post} />
            ))}
          </ul>
          <nav class="pager" aria-label={t("board.paging")}>
            {before === undefined
              ? <span></span>
              : <a href={q === "" ? "/" : `/?${new URLSearchParams({ q })}`}>{t("board.newer")}</a>}
            {q === "" ? "" : <a href="/">{t("board.all")}</a>}
            {older === undefined
              ? <span></span>
              : <a href={older} rel="next">{t("board.older")}</a>}
          </nav>
        </>
      );
      return renderPage(c, t("board.heading"), content);
    })
    .get("/posts/:seq", async (c) => {
      const page = c.get("page");
      const post = await board.get(postSeq(c.req.param("seq")));
      const user = c.get("user");
      const t = (key: MessageKey, values?: Record<string, string>) => text(page.lang, key, values);
      const content = (
        <article class="card">
          <h1>{post.title}</h1>
          <PostMeta page={page} post={post} />
          <p class="body">{post.content}</p>
          {mayChange(user, post)
            ? (
              <div class="actions">
                <a class="button secondary" href={`/posts/${post.seq}/edit`}>{t("post.edit")}</a>
                <form method="post" action={`/posts/${post.seq}/delete`} class="inline">
                  <button type="submit" class="danger">{t("post.delete")}</button>
                </form>
              </div>
            )
            : ""}
          <p>
            <a href="/">{t("post.back")}</a>
          </p>
        </article>
      );
      return renderPage(c, post.title, content);
    });
}

/** True when `user` may edit or delete `post` (the service checks again when they do). */
export function mayChange(user: AuthenticatedUser | null, post: PostRow): boolean {
  return user !== null && (user.role === "admin" || user.username === post.author);
}

/** A post number from the path, or a 400 page. */
export function postSeq(raw: string): number {
  try {
    return parseWholeNumber(raw, "post number", 1, Number.MAX_SAFE_INTEGER);
  } catch (error) {
    if (error instanceof ApiError) throw new DomainError("not_found", `There is no post ${raw}`);
    throw error;
  }
}

function PostCard(props: { readonly page: PageInfo; readonly post: PostRow }): Child {
  const { post } = props;
  const content = [...post.content];
  const excerpt = content.length > EXCERPT_CHARACTERS
    ? `${content.slice(0, EXCERPT_CHARACTERS).join("")}…`
    : post.content;
  return (
    <li class="card">
      <h2>
        <a href={`/posts/${post.seq}`}>{post.title}</a>
      </h2>
      <PostMeta page={props.page} post={post} />
      <p class="excerpt">{excerpt}</p>
    </li>
  );
}

function PostMeta(props: { readonly page: PageInfo; readonly post: PostRow }): Child {
  const { page, post } = props;
  const author = post.author === null
    ? text(page.lang, "post.noAuthor")
    : text(page.lang, "post.by", { author: post.author });
  return (
    <p class="meta">
      {author} · <Time page={page} iso={post.create_date} />
      {post.update_date === post.create_date ? "" : (
        <>
          {" · "}
          {text(page.lang, "post.edited")} <Time page={page} iso={post.update_date} />
        </>
      )}
    </p>
  );
}
