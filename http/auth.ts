/** @module Who is calling: sessions from `Authorization: Bearer` or the session cookie. */

import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AccountsService, AuthenticatedUser } from "../services/accounts.ts";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./problem.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "otel_board_session";

const MAX_COOKIE_AGE_SECONDS = 400 * 86_400;

/** Sets the session cookie (HttpOnly, SameSite=Lax, Secure when the client used HTTPS). */
export function setSessionCookie(c: Context<AppEnv>, token: string, sessionTtlMs: number): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: c.get("https"),
    path: "/",
    // Browsers cap cookies at 400 days (RFC 6265bis); the token itself lasts SESSION_TTL.
    maxAge: Math.min(Math.floor(sessionTtlMs / 1000), MAX_COOKIE_AGE_SECONDS),
  });
}

/** Deletes the session cookie. */
export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: c.get("https") });
}

/**
 * Resolves the caller's session (a Bearer token wins over the cookie) and sets `user`,
 * `userId` (for the call log and the request span's `enduser.id`) and `sessionToken`. An
 * unknown, expired or revoked token leaves the caller anonymous; routes that need a user
 * answer 401.
 */
export function authentication(accounts: AccountsService): MiddlewareHandler<AppEnv> {
  return async function authentication(c, next) {
    const token = presentedToken(c);
    if (token !== undefined) {
      const user = await accounts.authenticate(token);
      if (user !== undefined) {
        c.set("user", user);
        c.set("userId", user.username);
        c.set("sessionToken", token);
      }
    }
    await next();
  };
}

/** The signed-in user, or a 401 problem. */
export function requireUser(c: Context<AppEnv>): AuthenticatedUser {
  const user = c.get("user");
  if (user === null) {
    throw new ApiError(
      "unauthenticated",
      "Sign in first: send the token from POST /login as Authorization: Bearer <token>",
      { "www-authenticate": 'Bearer realm="otel-board"' },
    );
  }
  return user;
}

/** The signed-in admin, or a 401/403 problem. */
export function requireAdmin(c: Context<AppEnv>): AuthenticatedUser {
  const user = requireUser(c);
  if (user.role !== "admin") throw new ApiError("forbidden", "Only an admin may do this");
  return user;
}

function presentedToken(c: Context<AppEnv>): string | undefined {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  return getCookie(c, SESSION_COOKIE);
}
