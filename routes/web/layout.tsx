/** @module The frame of every page (head, menu, language switch) and the small parts pages share. */

import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { AuthenticatedUser } from "../../services/accounts.ts";
import { type Lang, type MessageKey, text } from "./i18n.ts";
import type { PageInfo, WebContext } from "./page_context.ts";
import { assetUrl, CSS_PATH, SCRIPT_PATH } from "./static_routes.ts";

/** The meta element holding a page's signed issue time, which its timing beacon sends back. */
export const RUM_META = "otel-board-rum";

/** What the frame needs besides the page's own content. */
export interface LayoutProps {
  readonly page: PageInfo;
  readonly user: AuthenticatedUser | null;
  /** The document title (the site name is added). */
  readonly title: string;
  /** The path and query of this page, where the language switch returns to. */
  readonly here: string;
  readonly children?: Child;
}

/** The whole document around a page's content. */
export function Layout(props: LayoutProps): Child {
  const { page, user } = props;
  const t = (key: MessageKey, values?: Record<string, string>) => text(page.lang, key, values);
  return (
    <>
      {raw("<!doctype html>")}
      <html lang={page.lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {page.traceparent === null ? "" : <meta name="traceparent" content={page.traceparent} />}
          {page.rum === null
            ? ""
            : <meta name={RUM_META} content={`${page.rum.issuedAtMs}.${page.rum.signature}`} />}
          <title>{`${props.title} · otel-board`}</title>
          <link rel="stylesheet" href={assetUrl(CSS_PATH)} />
          <script type="module" src={assetUrl(SCRIPT_PATH)} nonce={page.nonce}></script>
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">otel-board</a>
            <nav aria-label={t("nav.main")}>
              <a href="/">{t("nav.board")}</a>
              {user === null ? "" : <a href="/write">{t("nav.write")}</a>}
              {user?.role === "admin"
                ? (
                  <>
                    <a href="/manage/log">{t("nav.log")}</a>
                    <a href="/manage/users">{t("nav.users")}</a>
                  </>
                )
                : ""}
              {user === null
                ? (
                  <>
                    <a href="/signin">{t("nav.signin")}</a>
                    <a href="/signup">{t("nav.signup")}</a>
                  </>
                )
                : (
                  <>
                    <a href="/account" title={t("nav.signedInAs", { name: user.username })}>
                      {user.username}
                    </a>
                    <form method="post" action="/signout" class="inline">
                      <button type="submit" class="link">{t("nav.signout")}</button>
                    </form>
                  </>
                )}
              <form method="post" action="/lang" class="inline">
                <input type="hidden" name="lang" value={page.lang === "ko" ? "en" : "ko"} />
                <input type="hidden" name="next" value={props.here} />
                <button type="submit" class="link" aria-label={t("lang.label")}>
                  {t("lang.other")}
                </button>
              </form>
            </nav>
          </header>
          <main>{props.children}</main>
        </body>
      </html>
    </>
  );
}

/** A labelled input with its hint and, when the last post broke its rule, the message. */
export function Field(props: {
  readonly lang: Lang;
  readonly name: string;
  readonly label: MessageKey;
  readonly value?: string;
  readonly type?: string;
  readonly hint?: MessageKey;
  readonly error?: string;
  readonly multiline?: boolean;
  readonly autocomplete?: string;
  readonly required?: boolean;
}): Child {
  const id = `field-${props.name}`;
  const described = [props.hint ? `${id}-hint` : "", props.error ? `${id}-error` : ""]
    .filter((part) => part !== "").join(" ");
  const common = {
    id,
    name: props.name,
    required: props.required ?? true,
    "aria-invalid": props.error === undefined ? undefined : "true",
    "aria-describedby": described === "" ? undefined : described,
  };
  return (
    <div class={props.error === undefined ? "field" : "field invalid"}>
      <label for={id}>{text(props.lang, props.label)}</label>
      {props.multiline ? <textarea {...common} rows={10}>{props.value ?? ""}</textarea> : (
        <input
          {...common}
          type={props.type ?? "text"}
          value={props.value ?? ""}
          autocomplete={props.autocomplete}
        />
      )}
      {props.hint === undefined
        ? ""
        : <p class="hint" id={`${id}-hint`}>{text(props.lang, props.hint)}</p>}
      {props.error === undefined
        ? ""
        : <p class="error" id={`${id}-error`} role="alert">{props.error}</p>}
    </div>
  );
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * `iso` as the reader reads it, in the page's zone, inside `<time datetime>` (UTC); a time that
 * is not known (a post imported from the Flask app without a date) says so.
 */
export function Time(props: { readonly page: PageInfo; readonly iso: string | null }): Child {
  if (props.iso === null) return <span class="time">{text(props.page.lang, "post.noDate")}</span>;
  const key = `${props.page.lang} ${props.page.timeZone}`;
  let format = formatters.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(props.page.lang === "ko" ? "ko-KR" : "en-GB", {
      timeZone: props.page.timeZone,
      dateStyle: "medium",
      timeStyle: "short",
    });
    formatters.set(key, format);
  }
  return <time datetime={props.iso}>{format.format(new Date(props.iso))}</time>;
}

/** Renders `content` inside the frame and answers it with `status`. */
export async function renderPage(
  c: WebContext,
  title: string,
  content: Child,
  status: 200 | 400 | 401 | 403 | 404 | 409 | 429 | 500 | 503 = 200,
): Promise<Response> {
  const page = c.get("page");
  const url = new URL(c.req.url);
  const document = (
    <Layout page={page} user={c.get("user")} title={title} here={url.pathname + url.search}>
      {content}
    </Layout>
  );
  return c.html(await document, status);
}
