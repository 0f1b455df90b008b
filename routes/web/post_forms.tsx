/** @module Writing, editing and deleting a post from the pages: `/write`, `/posts/{seq}/edit`, `/posts/{seq}/delete`. */

import { Hono } from "hono";
import type { Child } from "hono/jsx";
import { rateLimited } from "../../http/rate_limit.ts";
import type { BoardService, PostInput } from "../../services/board.ts";
import { DomainError } from "../../services/domain_error.ts";
import type { BoardLimits } from "../board.ts";
import { mayChange, postSeq } from "./board_pages.tsx";
import {
  type FieldError,
  fieldError,
  fieldErrorStatus,
  formFields,
  seeOther,
  signInFirst,
} from "./forms.ts";
import { type Lang, text } from "./i18n.ts";
import { Field, renderPage } from "./layout.tsx";
import type { WebEnv } from "./page_context.ts";

const POST_FIELDS = ["title", "content"] as const;

/** `GET|POST /write`, `GET|POST /posts/:seq/edit`, `POST /posts/:seq/delete`. */
export function postForms(board: BoardService, limits: BoardLimits): Hono<WebEnv> {
  const byAddress = (c: { get(key: "clientIp"): string | null }) => c.get("clientIp") ?? "unknown";
  return new Hono<WebEnv>()
    .get("/write", (c) => {
      if (c.get("user") === null) return signInFirst(c);
      const lang = c.get("page").lang;
      return renderPage(c, text(lang, "write.heading"), <PostForm lang={lang} action="/write" />);
    })
    .post("/write", rateLimited(limits.post, byAddress, "new posts"), async (c) => {
      const user = c.get("user");
      if (user === null) return signInFirst(c);
      const lang = c.get("page").lang;
      const input = await formFields(c, POST_FIELDS);
      try {
        const post = await board.create(user, input);
        return seeOther(c, `/posts/${post.seq}`);
      } catch (error) {
        const problem = fieldError(error, lang, POST_FIELDS);
        const form = <PostForm lang={lang} action="/write" input={input} error={problem} />;
        return renderPage(c, text(lang, "write.heading"), form, fieldErrorStatus(error));
      }
    })
    .get("/posts/:seq/edit", async (c) => {
      const user = c.get("user");
      if (user === null) return signInFirst(c);
      const lang = c.get("page").lang;
      const post = await board.get(postSeq(c.req.param("seq")));
      if (!mayChange(user, post)) {
        throw new DomainError("forbidden", "Only the post's author or an admin may change it");
      }
      const form = <PostForm lang={lang} action={`/posts/${post.seq}/edit`} input={post} />;
      return renderPage(c, text(lang, "edit.heading"), form);
    })
    .post("/posts/:seq/edit", async (c) => {
      const user = c.get("user");
      if (user === null) return signInFirst(c);
      const lang = c.get("page").lang;
      const seq = postSeq(c.req.param("seq"));
      const input = await formFields(c, POST_FIELDS);
      try {
        await board.update(user, seq, input);
        return seeOther(c, `/posts/${seq}`);
      } catch (error) {
        const problem = fieldError(error, lang, POST_FIELDS);
        const form = (
          <PostForm lang={lang} action={`/posts/${seq}/edit`} input={input} error={problem} />
        );
        return renderPage(c, text(lang, "edit.heading"), form, fieldErrorStatus(error));
      }
    })
    .post("/posts/:seq/delete", async (c) => {
      const user = c.get("user");
      if (user === null) return signInFirst(c);
      await board.remove(user, postSeq(c.req.param("seq")));
      return seeOther(c, "/");
    });
}

function PostForm(props: {
  readonly lang: Lang;
  readonly action: string;
  readonly input?: PostInput;
  readonly error?: FieldError;
}): Child {
  const { lang, input, error } = props;
  const editing = props.action !== "/write";
  const messageOf = (field: string) => error?.field === field ? error.message : undefined;
  return (
    <>
      <h1>{text(lang, editing ? "edit.heading" : "write.heading")}</h1>
      <form method="post" action={props.action} class="card">
        <Field
          lang={lang}
          name="title"
          label="field.title"
          hint="hint.title"
          value={input?.title ?? ""}
          {...(messageOf("title") === undefined ? {} : { error: messageOf("title")! })}
        />
        <Field
          lang={lang}
          name="content"
          label="field.content"
          hint="hint.content"
          multiline
          value={input?.content ?? ""}
          {...(messageOf("content") === undefined ? {} : { error: messageOf("content")! })}
        />
        <button type="submit">{text(lang, editing ? "edit.submit" : "write.submit")}</button>
      </form>
    </>
  );
}
