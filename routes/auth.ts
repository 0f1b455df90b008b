/** @module Accounts over HTTP: register, login, logout, me, password change. */

import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../http/app_env.ts";
import { requireUser, SESSION_COOKIE } from "../http/auth.ts";
import { readJsonObject } from "../http/json_body.ts";
import { ApiError } from "../http/problem.ts";
import { rateLimited, type RateLimiter } from "../http/rate_limit.ts";
import type { AccountsService } from "../services/accounts.ts";

/** The rate limits of the account routes. */
export interface AuthLimits {
  readonly register: RateLimiter;
  /** Sign-in attempts per client address. */
  readonly login: RateLimiter;
  /** Sign-in attempts per username, whatever the address. */
  readonly loginUser: RateLimiter;
}

const CREDENTIALS = { username: "string", password: "string" } as const;

/** `POST /register`, `POST /login`, `POST /logout`, `GET /me`, `PUT /me/password`. */
export function authRoutes(
  accounts: AccountsService,
  limits: AuthLimits,
  sessionTtlMs: number,
): Hono<AppEnv> {
  const byAddress = (c: { get(key: "clientIp"): string | null }) => c.get("clientIp") ?? "unknown";
  return new Hono<AppEnv>()
    .post("/register", rateLimited(limits.register, byAddress, "registrations"), async (c) => {
      const body = await readJsonObject(c, CREDENTIALS);
      const user = await accounts.register(body.username!, body.password!);
      return c.json(user, 201, { location: "/me" });
    })
    .post("/login", rateLimited(limits.login, byAddress, "sign-in attempts"), async (c) => {
      const body = await readJsonObject(c, CREDENTIALS);
      const decision = limits.loginUser.take(`user:${body.username}`);
      if (!decision.allowed) {
        throw new ApiError(
          "rate_limited",
          `Too many sign-in attempts for this user: try again in ${decision.retryAfterSeconds} s`,
          { "retry-after": String(decision.retryAfterSeconds) },
        );
      }
      const session = await accounts.login(body.username!, body.password!);
      setCookie(c, SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: "Lax",
        secure: c.get("https"),
        path: "/",
        maxAge: Math.floor(sessionTtlMs / 1000),
      });
      c.header("cache-control", "no-store");
      return c.json(session);
    })
    .post("/logout", async (c) => {
      requireUser(c);
      await accounts.logout(c.get("sessionToken")!);
      deleteCookie(c, SESSION_COOKIE, { path: "/", secure: c.get("https") });
      return c.body(null, 204);
    })
    .get("/me", (c) => {
      const user = requireUser(c);
      return c.json(accounts.find(user.username));
    })
    .put("/me/password", async (c) => {
      const user = requireUser(c);
      const body = await readJsonObject(c, {
        current_password: "string",
        new_password: "string",
      });
      await accounts.changePassword(
        user,
        c.get("sessionToken")!,
        body.current_password!,
        body.new_password!,
      );
      return c.body(null, 204);
    });
}
