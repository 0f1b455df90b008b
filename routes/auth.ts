/** @module Accounts over HTTP: register, login, logout, me, password change. */

import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";
import { clearSessionCookie, requireUser, setSessionCookie } from "../http/auth.ts";
import { readJsonObject } from "../http/json_body.ts";
import { rateLimited, type RateLimiter } from "../http/rate_limit.ts";
import type { AccountsService } from "../services/accounts.ts";
import { DomainError } from "../services/domain_error.ts";
import type { SignInLimit } from "../http/sign_in_limit.ts";

/** The rate limits of the account routes. */
export interface AuthLimits {
  /** Registrations per client address; a registration the rules refused is given back. */
  readonly register: RateLimiter;
  /** Sign-in attempts per client address. */
  readonly login: RateLimiter;
  /** Sign-in attempts per username, whatever the address. */
  readonly loginUser: SignInLimit;
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
      try {
        const user = await accounts.register(body.username!, body.password!);
        return c.json(user, 201, { location: "/me" });
      } catch (error) {
        // A name taken or a password too short guesses nothing and hashes nothing: it does
        // not count against the limit, so a person trying names is never locked out. A
        // malformed body stays counted (a script, not a person).
        if (error instanceof DomainError) limits.register.refund(byAddress(c));
        throw error;
      }
    })
    .post("/login", rateLimited(limits.login, byAddress, "sign-in attempts"), async (c) => {
      const body = await readJsonObject(c, CREDENTIALS);
      limits.loginUser.attempt(body.username!, c.get("clientIp"));
      const session = await accounts.login(body.username!, body.password!);
      limits.loginUser.succeeded(body.username!, c.get("clientIp"));
      setSessionCookie(c, session.token, sessionTtlMs);
      c.header("cache-control", "no-store");
      return c.json(session);
    })
    .post("/logout", async (c) => {
      requireUser(c);
      await accounts.logout(c.get("sessionToken")!);
      clearSessionCookie(c);
      return c.body(null, 204);
    })
    .get("/me", async (c) => {
      const user = requireUser(c);
      return c.json(await accounts.find(user.username));
    })
    .put("/me/password", async (c) => {
      const user = requireUser(c);
      // Guessing the current password with a stolen session counts as signing in.
      limits.loginUser.attempt(user.username, c.get("clientIp"));
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
      limits.loginUser.succeeded(user.username, c.get("clientIp"));
      return c.body(null, 204);
    });
}
