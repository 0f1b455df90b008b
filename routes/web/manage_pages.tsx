/** @module The admins' pages: `/manage/log` (the call log, filtered and paged) and `/manage/users`. */

import { Hono } from "hono";
import type { Child } from "hono/jsx";
import { ApiError } from "../../http/problem.ts";
import { readQuery } from "../../http/query.ts";
import type { AccountsService, AuthenticatedUser } from "../../services/accounts.ts";
import { DomainError } from "../../services/domain_error.ts";
import type { LogApiReader, LogPage } from "../../services/log_api_reader.ts";
import { LOG_PARAMETERS, parseFilter } from "../log.ts";
import { pageSize } from "../../http/paging.ts";
import { formFields, seeOther, signInFirst } from "./forms.ts";
import { type Lang, type MessageKey, text } from "./i18n.ts";
import { renderPage, Time } from "./layout.tsx";
import type { PageInfo, WebContext, WebEnv } from "./page_context.ts";

/** Rows on one page of the call log when the address asks for no `limit`. */
const LOG_PAGE_SIZE = 50;
/** Users on one page of the user list. */
const USERS_PAGE_SIZE = 50;
/** The filters the call-log form offers, in order (the API's parameter names). */
const FILTERS = ["trace_id", "url", "user_id", "status", "method", "since", "until"] as const;
/** What each filter box shows while empty: the shape the API expects. */
const EXAMPLES: Readonly<Record<(typeof FILTERS)[number], string>> = {
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  url: "/board",
  user_id: "admin",
  status: "404",
  method: "GET",
  since: "2026-11-23T10:00:00+09:00",
  until: "2026-11-23",
};

/** What the admins' pages read and change. */
export interface ManageDeps {
  readonly accounts: AccountsService;
  readonly logApiReader: LogApiReader;
  /** A URL with `{trace_id}` that opens a trace; undefined: trace ids are plain text. */
  readonly traceUrlTemplate: string | undefined;
}

/** `GET /manage/log`, `GET /manage/users`, `POST /manage/users/:username`. */
export function managePages(deps: ManageDeps): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/manage/log", async (c) => {
      const admin = adminOf(c);
      if (admin === undefined) return signInFirst(c);
      const page = c.get("page");
      const given = readQuery(new URL(c.req.url), LOG_PARAMETERS);
      // An empty box of the form means "any", not "the empty string".
      const query = new Map([...given].filter(([, value]) => value.trim() !== ""));
      let rows: LogPage | undefined;
      let problem: string | undefined;
      try {
        const limit = query.has("limit") ? pageSize(query) : LOG_PAGE_SIZE;
        rows = await deps.logApiReader.page(parseFilter(query), limit);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== "invalid_parameter") throw error;
        problem = error.message;
      }
      const older = rows?.nextBefore === undefined ? undefined : `/manage/log?${new URLSearchParams(
        [...[...query].filter(([name]) => name !== "before"), ["before", String(rows.nextBefore)]],
      )}`;
      const content = (
        <LogView
          page={page}
          query={query}
          rows={rows}
          problem={problem}
          older={older}
          traceUrlTemplate={deps.traceUrlTemplate}
        />
      );
      return renderPage(c, text(page.lang, "log.heading"), content, problem ? 400 : 200);
    })
    .get("/manage/users", async (c) => {
      const admin = adminOf(c);
      if (admin === undefined) return signInFirst(c);
      const page = c.get("page");
      const after = c.req.query("after");
      const list = await deps.accounts.list(USERS_PAGE_SIZE, after === "" ? undefined : after);
      const t = (key: MessageKey, values?: Record<string, string>) => text(page.lang, key, values);
      const saved = c.req.query("saved");
      const content = (
        <>
          <h1>{t("users.heading")}</h1>
          {saved === undefined
            ? ""
            : <p class="notice" role="status">{t("users.saved", { name: saved })}</p>}
          <div class="table-wrap">
            <table class="users">
              <thead>
                <tr>
                  <th>{t("field.username")}</th>
                  <th>{t("users.created")}</th>
                  <th>{t("field.role")}</th>
                </tr>
              </thead>
              <tbody>
                {list.users.map((user) => (
                  <tr>
                    <td>{user.username}</td>
                    <td>
                      <Time page={page} iso={user.created_at} />
                    </td>
                    <td>
                      <UserForm lang={page.lang} user={user} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {list.next === undefined ? "" : (
            <nav class="pager">
              <span></span>
              <a href={`/manage/users?${new URLSearchParams({ after: list.next })}`} rel="next">
                {t("users.next")}
              </a>
            </nav>
          )}
        </>
      );
      return renderPage(c, t("users.heading"), content);
    })
    .post("/manage/users/:username", async (c) => {
      const admin = adminOf(c);
      if (admin === undefined) return signInFirst(c);
      const username = c.req.param("username");
      const form = await formFields(c, ["role", "disabled"]);
      if (form.role !== "user" && form.role !== "admin") {
        throw new DomainError("invalid_body", 'Field "role" must be "user" or "admin"');
      }
      await deps.accounts.update(admin, username, {
        role: form.role,
        disabled: form.disabled === "on",
      });
      return seeOther(c, `/manage/users?${new URLSearchParams({ saved: username })}`);
    });
}

/** The signed-in admin; undefined for an anonymous reader; a 403 for anyone else. */
function adminOf(c: WebContext): AuthenticatedUser | undefined {
  const user = c.get("user");
  if (user === null) return undefined;
  if (user.role !== "admin") throw new DomainError("forbidden", "Only an admin may do this");
  return user;
}

function UserForm(props: {
  readonly lang: Lang;
  readonly user: { readonly username: string; readonly role: string; readonly disabled: boolean };
}): Child {
  const { lang, user } = props;
  const id = `user-${user.username}`;
  return (
    <form method="post" action={`/manage/users/${encodeURIComponent(user.username)}`}>
      <label for={`${id}-role`} class="visually-hidden">{text(lang, "field.role")}</label>
      <select id={`${id}-role`} name="role">
        <option value="user" selected={user.role === "user"}>{text(lang, "role.user")}</option>
        <option value="admin" selected={user.role === "admin"}>{text(lang, "role.admin")}</option>
      </select>
      <input type="checkbox" id={`${id}-disabled`} name="disabled" checked={user.disabled} />
      <label for={`${id}-disabled`} class="inline-label">{text(lang, "field.disabled")}</label>
      <button type="submit" class="secondary">{text(lang, "users.save")}</button>
    </form>
  );
}

function LogView(props: {
  readonly page: PageInfo;
  readonly query: ReadonlyMap<string, string>;
  readonly rows: LogPage | undefined;
  readonly problem: string | undefined;
  readonly older: string | undefined;
  readonly traceUrlTemplate: string | undefined;
}): Child {
  const { page, rows } = props;
  const t = (key: MessageKey) => text(page.lang, key);
  return (
    <>
      <h1>{t("log.heading")}</h1>
      <form method="get" action="/manage/log" class="card">
        <div class="filters">
          {FILTERS.map((name) => (
            <div class="field">
              <label for={`filter-${name}`}>{t(`field.${name}`)}</label>
              <input
                id={`filter-${name}`}
                name={name}
                value={props.query.get(name) ?? ""}
                placeholder={EXAMPLES[name]}
              />
            </div>
          ))}
        </div>
        <div class="actions">
          <button type="submit">{t("log.filter")}</button>
          <a class="button secondary" href="/manage/log">{t("log.clear")}</a>
        </div>
      </form>
      {props.problem === undefined ? "" : <p class="banner" role="alert">{props.problem}</p>}
      {rows === undefined || rows.rows.length > 0 ? "" : <p class="card">{t("log.empty")}</p>}
      {rows === undefined || rows.rows.length === 0 ? "" : (
        <div class="table-wrap">
          <table class="log">
            <thead>
              <tr>
                <th>{t("log.time")}</th>
                <th>{t("field.method")}</th>
                <th>{t("field.url")}</th>
                <th>{t("field.status")}</th>
                <th>{t("field.user_id")}</th>
                <th>{t("log.duration")}</th>
                <th>{t("log.trace")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.rows.map((row) => (
                <tr>
                  <td>
                    <Time page={page} iso={row.start_time} />
                  </td>
                  <td>{row.method}</td>
                  <td class="path">
                    {row.call_url}
                    {row.call_url_parameter === null
                      ? ""
                      : <span class="query">?{row.call_url_parameter}</span>}
                  </td>
                  <td>{row.status}</td>
                  <td>{row.user_id ?? ""}</td>
                  <td>{row.duration_ms === null ? "" : row.duration_ms.toFixed(1)}</td>
                  <td class="trace">
                    <TraceId id={row.trace_id} template={props.traceUrlTemplate} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.older === undefined ? "" : (
        <nav class="pager">
          <span></span>
          <a href={props.older} rel="next">{t("log.older")}</a>
        </nav>
      )}
    </>
  );
}

function TraceId(
  props: { readonly id: string | null; readonly template: string | undefined },
): Child {
  if (props.id === null) return "";
  if (props.template === undefined) return props.id;
  return <a href={props.template.replaceAll("{trace_id}", props.id)}>{props.id}</a>;
}
