/**
 * @module Accounts from the pages: `/signin`, `/signup`, `/signout`, `/account` (password) and
 * the language switch `/lang`, over the same accounts service and limits as the API.
 */

import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import { clearSessionCookie, setSessionCookie } from "../../http/auth.ts";
import { rateLimited } from "../../http/rate_limit.ts";
import type { AccountsService } from "../../services/accounts.ts";
import { DomainError } from "../../services/domain_error.ts";
import type { AuthLimits } from "../auth.ts";
import {
  type FieldError,
  fieldError,
  fieldErrorStatus,
  formFields,
  localPath,
  seeOther,
  signInFirst,
} from "./forms.ts";
import { type Lang, LANG_COOKIE, text } from "./i18n.ts";
import { Field, renderPage } from "./layout.tsx";
import { appContext, type WebContext, type WebEnv } from "./page_context.ts";

const CREDENTIALS = ["username", "password", "next"] as const;
const PASSWORDS = ["current_password", "new_password"] as const;
const LANG_COOKIE_SECONDS = 365 * 86_400;

/** The account pages. */
export function accountPages(
  accounts: AccountsService,
  limits: AuthLimits,
  sessionTtlMs: number,
): Hono<WebEnv> {
  const byAddress = (c: { get(key: "clientIp"): string | null }) => c.get("clientIp") ?? "unknown";
  const signIn = async (c: WebContext, username: string, password: string, next: string) => {
    limits.loginUser.attempt(username, c.get("clientIp"));
    const session = await accounts.login(username, password);
    limits.loginUser.succeeded(username, c.get("clientIp"));
    setSessionCookie(appContext(c), session.token, sessionTtlMs);
    return seeOther(c, localPath(next));
  };
  return new Hono<WebEnv>()
    .get("/signin", (c) => {
      const lang = c.get("page").lang;
      const next = localPath(c.req.query("next"));
      return renderPage(c, text(lang, "signin.heading"), <SignInForm lang={lang} next={next} />);
    })
    .post("/signin", rateLimited(limits.login, byAddress, "sign-in attempts"), async (c) => {
      const lang = c.get("page").lang;
      const form = await formFields(c, CREDENTIALS);
      try {
        return await signIn(c, form.username, form.password, form.next);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const key = error.kind === "forbidden" ? "signin.disabled" : "signin.failed";
        const page = (
          <SignInForm lang={lang} next={localPath(form.next)} username={form.username}>
            <p class="banner" role="alert">{text(lang, key)}</p>
          </SignInForm>
        );
        return renderPage(
          c,
          text(lang, "signin.heading"),
          page,
          error.kind === "forbidden" ? 403 : 401,
        );
      }
    })
    .get("/signup", (c) => {
      const lang = c.get("page").lang;
      return renderPage(c, text(lang, "signup.heading"), <SignUpForm lang={lang} />);
    })
    .post("/signup", rateLimited(limits.register, byAddress, "registrations"), async (c) => {
      const lang = c.get("page").lang;
      const form = await formFields(c, CREDENTIALS);
      try {
        await accounts.register(form.username, form.password);
      } catch (error) {
        // As the API does: a refusal by the rules guesses nothing and is not counted.
        if (error instanceof DomainError) limits.register.refund(byAddress(c));
        const problem = fieldError(error, lang, ["username", "password"]);
        const page = <SignUpForm lang={lang} username={form.username} error={problem} />;
        return renderPage(c, text(lang, "signup.heading"), page, fieldErrorStatus(error));
      }
      return await signIn(c, form.username, form.password, "/");
    })
    .post("/signout", async (c) => {
      const token = c.get("sessionToken");
      if (token !== null) await accounts.logout(token);
      clearSessionCookie(appContext(c));
      return seeOther(c, "/");
    })
    .get("/account", (c) => {
      const user = c.get("user");
      if (user === null) return signInFirst(c);
      const lang = c.get("page").lang;
      const changed = c.req.query("changed") === "1";
      const page = <PasswordForm lang={lang} role={user.role} changed={changed} />;
      return renderPage(c, text(lang, "account.heading"), page);
    })
    .post("/account", async (c) => {
      const user = c.get("user");
      if (user === null) return signInFirst(c);
      const lang = c.get("page").lang;
      // Guessing the current password with a stolen session counts as signing in.
      limits.loginUser.attempt(user.username, c.get("clientIp"));
      const form = await formFields(c, PASSWORDS);
      try {
        await accounts.changePassword(
          user,
          c.get("sessionToken")!,
          form.current_password,
          form.new_password,
        );
      } catch (error) {
        const problem = fieldError(error, lang, PASSWORDS);
        const page = <PasswordForm lang={lang} role={user.role} changed={false} error={problem} />;
        return renderPage(c, text(lang, "account.heading"), page, fieldErrorStatus(error));
      }
      limits.loginUser.succeeded(user.username, c.get("clientIp"));
      return seeOther(c, "/account?changed=1");
    })
    .post("/lang", async (c) => {
      const form = await formFields(c, ["lang", "next"]);
      if (form.lang === "ko" || form.lang === "en") {
        setCookie(c, LANG_COOKIE, form.lang, {
          path: "/",
          sameSite: "Lax",
          httpOnly: true,
          secure: c.get("https"),
          maxAge: LANG_COOKIE_SECONDS,
        });
      }
      return seeOther(c, localPath(form.next));
    });
}

function SignInForm(props: {
  readonly lang: Lang;
  readonly next: string;
  readonly username?: string;
  readonly children?: Child;
}): Child {
  const { lang } = props;
  return (
    <section class="narrow">
      <h1>{text(lang, "signin.heading")}</h1>
      {props.children}
      <form method="post" action="/signin" class="card">
        <input type="hidden" name="next" value={props.next} />
        <Field
          lang={lang}
          name="username"
          label="field.username"
          value={props.username ?? ""}
          autocomplete="username"
        />
        <Field
          lang={lang}
          name="password"
          label="field.password"
          type="password"
          autocomplete="current-password"
        />
        <button type="submit">{text(lang, "signin.submit")}</button>
      </form>
      <p>
        {text(lang, "signin.noAccount")} <a href="/signup">{text(lang, "nav.signup")}</a>
      </p>
    </section>
  );
}

function SignUpForm(props: {
  readonly lang: Lang;
  readonly username?: string;
  readonly error?: FieldError;
}): Child {
  const { lang, error } = props;
  const messageOf = (field: string) => error?.field === field ? { error: error.message } : {};
  return (
    <section class="narrow">
      <h1>{text(lang, "signup.heading")}</h1>
      <form method="post" action="/signup" class="card">
        <Field
          lang={lang}
          name="username"
          label="field.username"
          hint="hint.username"
          value={props.username ?? ""}
          autocomplete="username"
          {...messageOf("username")}
        />
        <Field
          lang={lang}
          name="password"
          label="field.password"
          hint="hint.password"
          type="password"
          autocomplete="new-password"
          {...messageOf("password")}
        />
        <button type="submit">{text(lang, "signup.submit")}</button>
      </form>
      <p>
        {text(lang, "signup.haveAccount")} <a href="/signin">{text(lang, "nav.signin")}</a>
      </p>
    </section>
  );
}

function PasswordForm(props: {
  readonly lang: Lang;
  readonly role: "user" | "admin";
  readonly changed: boolean;
  readonly error?: FieldError;
}): Child {
  const { lang, error } = props;
  const messageOf = (field: string) => error?.field === field ? { error: error.message } : {};
  return (
    <section class="narrow">
      <h1>{text(lang, "account.heading")}</h1>
      <p class="meta">{text(lang, "account.role", { role: text(lang, `role.${props.role}`) })}</p>
      {props.changed ? <p class="notice" role="status">{text(lang, "account.changed")}</p> : ""}
      <form method="post" action="/account" class="card">
        <Field
          lang={lang}
          name="current_password"
          label="field.current_password"
          type="password"
          autocomplete="current-password"
          {...messageOf("current_password")}
        />
        <Field
          lang={lang}
          name="new_password"
          label="field.new_password"
          hint="hint.password"
          type="password"
          autocomplete="new-password"
          {...messageOf("new_password")}
        />
        <button type="submit">{text(lang, "account.submit")}</button>
      </form>
    </section>
  );
}
