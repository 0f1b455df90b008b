/** @module Accounts: registration, sign-in sessions, password changes and the admin's user rules. */

import type { PublicUserRow, Repositories, Store } from "../db/store.ts";
import type { SpanHelpers } from "../telemetry/traced.ts";
import { DomainError } from "./domain_error.ts";
import { validatePassword, validateUsername } from "../lib/account_rules.ts";
import {
  burnPasswordCheck,
  hashPassword,
  newGeneratedPassword,
  verifyPassword,
} from "./passwords.ts";
import { looksLikeSessionToken, newSessionToken, sessionTokenHash } from "./session_tokens.ts";

/** Who made a request, once their session checked out. */
export interface AuthenticatedUser {
  readonly id: number;
  readonly username: string;
  readonly role: "user" | "admin";
}

/** A user as clients see it. */
export interface PublicUser {
  readonly username: string;
  readonly role: "user" | "admin";
  readonly disabled: boolean;
  readonly created_at: string;
}

/** A new session: the token is shown once and only its hash is stored. */
export interface NewSession {
  readonly token: string;
  readonly expires_at: string;
}

/** Business events the service reports (counters). */
export interface AccountEvents {
  registered(): void;
  login(outcome: "success" | "failure"): void;
}

/** What the account routes ask of accounts. */
export interface AccountsService {
  register(username: string, password: string): Promise<PublicUser>;
  /** Signs in; the same error for an unknown user and a wrong password. */
  login(username: string, password: string): Promise<NewSession>;
  /** The user of a live session token, or undefined. */
  authenticate(token: string): Promise<AuthenticatedUser | undefined>;
  logout(token: string): Promise<void>;
  /** Changes the password and revokes every other session of the user. */
  changePassword(
    user: AuthenticatedUser,
    currentToken: string,
    current: string,
    next: string,
  ): Promise<void>;
  /** The public view of one user, if it exists. */
  find(username: string): Promise<PublicUser | undefined>;
  /** Up to `limit` users after `afterUsername`'s position, in creation order. */
  list(limit: number, after?: string): Promise<{ users: PublicUser[]; next?: string }>;
  /** Changes a user's role or disabled flag (disabling revokes their sessions). */
  update(
    actor: AuthenticatedUser,
    username: string,
    patch: { readonly role?: "user" | "admin"; readonly disabled?: boolean },
  ): Promise<PublicUser>;
  /**
   * Makes `username` an admin (an existing user keeps its password), creating it when missing —
   * with `password`, or with a generated one when no admin exists at all (unless
   * `options.generate` is false: then none is created, and the answer says a password is needed).
   */
  ensureAdmin(
    username: string,
    password: string | undefined,
    options?: { readonly generate?: boolean },
  ): Promise<EnsuredAdmin>;
  /**
   * Replaces a user's password (an operator's reset) and revokes every session of the user;
   * resolves with how many sessions were revoked.
   * @throws {DomainError} `not_found` when there is no such user.
   */
  resetPassword(username: string, password: string): Promise<number>;
  /** Deletes expired sessions; returns how many. */
  pruneSessions(): Promise<number>;
}

/** What `ensureAdmin` did. */
export interface EnsuredAdmin {
  /** The account was created (else it existed, or none was needed). */
  readonly created: boolean;
  /** The password it was created with, when it was generated. */
  readonly generatedPassword?: string;
  /** `password` was given but the existing account's stored password is another one. */
  readonly passwordNotApplied?: boolean;
  /** No admin exists and none was created: a password must be given (generate was off). */
  readonly passwordNeeded?: boolean;
}

/** How accounts behave. */
export interface AccountsOptions {
  readonly sessionTtlMs: number;
  readonly spans: SpanHelpers;
  readonly events: AccountEvents;
  /** Clock, injectable for tests. */
  readonly now?: () => Date;
}

const INVALID_LOGIN = "Invalid username or password";

/** The accounts service over `store`. */
export function createAccountsService(store: Store, options: AccountsOptions): AccountsService {
  const now = options.now ?? (() => new Date());
  const { spans, events } = options;
  const hash = (password: string) =>
    spans.withSpan("accounts.hash_password", () => hashPassword(password));
  const verify = (password: string, stored: string) =>
    spans.withSpan("accounts.verify_password", () => verifyPassword(password, stored));

  async function openSession(userId: number): Promise<NewSession> {
    const token = newSessionToken();
    const created = now();
    const expires = new Date(created.getTime() + options.sessionTtlMs).toISOString();
    await store.sessions.insert({
      tokenHash: await sessionTokenHash(token),
      userId,
      createdAt: created.toISOString(),
      expiresAt: expires,
    });
    return { token, expires_at: expires };
  }

  async function requireUser(from: Repositories, username: string) {
    const user = await from.users.byName(username);
    if (user === undefined) throw new DomainError("not_found", `There is no user "${username}"`);
    return user;
  }

  return {
    register: spans.traced(
      "accounts.register",
      async (username: string, password: string): Promise<PublicUser> => {
        const usernameProblem = validateUsername(username);
        if (usernameProblem !== undefined) {
          throw new DomainError("invalid_body", usernameProblem, { field: "username" });
        }
        const passwordProblem = validatePassword(password);
        if (passwordProblem !== undefined) {
          throw new DomainError("invalid_body", passwordProblem, { field: "password" });
        }
        if (await store.users.byName(username) !== undefined) {
          throw new DomainError("conflict", `The username "${username}" is taken`, {
            field: "username",
          });
        }
        const passwordHash = await hash(password);
        const createdAt = now().toISOString();
        try {
          await store.users.insert({ username, passwordHash, role: "user", createdAt });
        } catch {
          // Registered by a concurrent request between our check and the insert.
          throw new DomainError("conflict", `The username "${username}" is taken`, {
            field: "username",
          });
        }
        events.registered();
        return { username, role: "user", disabled: false, created_at: createdAt };
      },
    ),

    login: spans.traced("accounts.login", async (username: string, password: string) => {
      const user = await store.users.byName(username);
      if (user === undefined) {
        // Same work as a real check, so the answer's timing does not reveal the user.
        await spans.withSpan("accounts.verify_password", () => burnPasswordCheck(password));
        events.login("failure");
        throw new DomainError("unauthenticated", INVALID_LOGIN);
      }
      const result = await verify(password, user.password_hash);
      if (!result.ok) {
        events.login("failure");
        throw new DomainError("unauthenticated", INVALID_LOGIN);
      }
      if (user.disabled) {
        events.login("failure");
        throw new DomainError("forbidden", "This account is disabled");
      }
      if (result.needsRehash) await store.users.setPasswordHash(user.id, await hash(password));
      events.login("success");
      return await openSession(user.id);
    }),

    async authenticate(token) {
      if (!looksLikeSessionToken(token)) return undefined;
      const row = await store.sessions.userOf(await sessionTokenHash(token), now().toISOString());
      return row === undefined
        ? undefined
        : { id: row.user_id, username: row.username, role: row.role };
    },

    logout: spans.traced("accounts.logout", async (token: string) => {
      if (looksLikeSessionToken(token)) await store.sessions.remove(await sessionTokenHash(token));
    }),

    changePassword: spans.traced(
      "accounts.change_password",
      async (user: AuthenticatedUser, currentToken: string, current: string, next: string) => {
        const problem = validatePassword(next);
        if (problem !== undefined) {
          throw new DomainError("invalid_body", problem, { field: "new_password" });
        }
        const stored = await requireUser(store, user.username);
        if (!(await verify(current, stored.password_hash)).ok) {
          throw new DomainError("forbidden", "The current password is not correct", {
            field: "current_password",
          });
        }
        const passwordHash = await hash(next);
        const keep = await sessionTokenHash(currentToken);
        await store.transaction(async (tx) => {
          await tx.users.setPasswordHash(user.id, passwordHash);
          await tx.sessions.removeForUser(user.id, keep);
        });
      },
    ),

    async find(username) {
      const user = await store.users.byName(username);
      return user === undefined ? undefined : toPublic(user);
    },

    async list(limit, after) {
      const afterId = after === undefined ? 0 : (await requireUser(store, after)).id;
      const rows = await store.users.pageAfter(afterId, limit + 1);
      if (rows.length <= limit) return { users: rows.map(toPublic) };
      rows.length = limit;
      return { users: rows.map(toPublic), next: rows[limit - 1]!.username };
    },

    update: spans.traced(
      "accounts.update",
      (actor: AuthenticatedUser, username: string, patch: {
        readonly role?: "user" | "admin";
        readonly disabled?: boolean;
      }) => {
        return store.transaction(async (tx) => {
          const user = await requireUser(tx, username);
          const role = patch.role ?? user.role;
          const disabled = patch.disabled ?? Boolean(user.disabled);
          const losesAdmin = user.role === "admin" && !user.disabled &&
            (role !== "admin" || disabled);
          if (losesAdmin && await tx.users.countActiveAdmins() <= 1) {
            throw new DomainError(
              "conflict",
              `"${username}" is the last active admin: make another admin first`,
            );
          }
          if (actor.id === user.id && disabled) {
            throw new DomainError("forbidden", "You cannot disable your own account");
          }
          await tx.users.setRoleAndDisabled(user.id, role, disabled);
          if (disabled) await tx.sessions.removeForUser(user.id);
          return toPublic({ ...user, role, disabled: disabled ? 1 : 0 });
        });
      },
    ),

    async ensureAdmin(username, password, ensureOptions = {}) {
      const promote = async () => {
        const existing = await store.users.byName(username);
        if (existing === undefined) return undefined;
        if (existing.role !== "admin" || existing.disabled) {
          await store.users.setRoleAndDisabled(existing.id, "admin", false);
        }
        return existing;
      };
      const existing = await promote();
      if (existing !== undefined) {
        const differs = password !== undefined &&
          !(await verify(password, existing.password_hash)).ok;
        return differs ? { created: false, passwordNotApplied: true } : { created: false };
      }
      // Without a password to give, a database that already has an admin needs no new one.
      if (password === undefined && await store.users.countActiveAdmins() > 0) {
        return { created: false };
      }
      if (password === undefined && ensureOptions.generate === false) {
        return { created: false, passwordNeeded: true };
      }
      const problem = validateUsername(username) ??
        (password === undefined ? undefined : validatePassword(password));
      if (problem !== undefined) throw new DomainError("invalid_body", problem);
      const chosen = password ?? newGeneratedPassword();
      const passwordHash = await hashPassword(chosen);
      try {
        await store.users.insert({
          username,
          passwordHash,
          role: "admin",
          createdAt: now().toISOString(),
        });
      } catch (error) {
        // Registered by a request while we hashed: make that account the admin instead.
        if (await promote() !== undefined) return { created: false };
        throw error;
      }
      return password === undefined
        ? { created: true, generatedPassword: chosen }
        : { created: true };
    },

    resetPassword: spans.traced(
      "accounts.reset_password",
      async (username: string, password: string): Promise<number> => {
        const passwordHash = await hash(password);
        return await store.transaction(async (tx) => {
          const user = await requireUser(tx, username);
          await tx.users.setPasswordHash(user.id, passwordHash);
          return await tx.sessions.removeForUser(user.id);
        });
      },
    ),

    pruneSessions: () => store.sessions.removeExpired(now().toISOString()),
  };
}

function toPublic(user: PublicUserRow): PublicUser {
  return {
    username: user.username,
    role: user.role,
    disabled: Boolean(user.disabled),
    created_at: user.created_at,
  };
}
