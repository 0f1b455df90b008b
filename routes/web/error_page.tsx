/** @module The pages' error handler: a friendly HTML page with the trace id, never internals. */

import type { ErrorHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CLIENT_CLOSED_REQUEST } from "../../http/client_gone.ts";
import { describeError } from "../../http/errors.ts";
import { PROBLEM_STATUS } from "../../http/problem.ts";
import type { Logger } from "../../telemetry/log.ts";
import { chooseLang, LANG_COOKIE, type MessageKey, text } from "./i18n.ts";
import { Layout } from "./layout.tsx";
import { appContext, contentSecurityPolicy, type PageInfo, type WebEnv } from "./page_context.ts";

/**
 * Answers a page request's error as HTML with the status the API would answer (and its
 * headers, such as Retry-After): the code's sentence in the reader's language, the service's
 * own sentence for a refusal (4xx), and the trace id to quote.
 */
export function pageErrorHandler(logger: Logger): ErrorHandler<WebEnv> {
  const log = logger.scoped(import.meta.url);
  return async function pageErrorHandler(error, c) {
    const answer = describeError(error, appContext(c), log);
    if (answer === undefined) return new Response(null, { status: CLIENT_CLOSED_REQUEST });
    const status = PROBLEM_STATUS[answer.code];
    const page: PageInfo = c.get("page") ?? {
      lang: chooseLang(getCookie(c, LANG_COOKIE), c.req.header("accept-language")),
      nonce: "",
      traceparent: null,
      rum: null,
      timeZone: "UTC",
    };
    const traceId = c.get("traceId");
    const t = (key: MessageKey, values?: Record<string, string>) => text(page.lang, key, values);
    const url = new URL(c.req.url);
    const document = (
      <Layout page={page} user={c.get("user")} title={t("error.heading")} here={url.pathname}>
        <section class="card">
          <h1>{t(`error.${answer.code}`)}</h1>
          {status < 500 ? <p class="meta">{answer.detail}</p> : ""}
          {traceId === null ? "" : <p class="trace-note">{t("error.traceId", { id: traceId })}</p>}
          <p>
            <a href="/">{t("post.back")}</a>
          </p>
        </section>
      </Layout>
    );
    for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
    if (page.nonce === "") c.header("content-security-policy", contentSecurityPolicy("none"));
    return await c.html(await document, status as ContentfulStatusCode);
  };
}
