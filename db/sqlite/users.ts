/** @module SQLite statements for the `users` table, and the users repository over them. */

import type { Database } from "../database.ts";
import type { PublicUserRow, UserRepository, UserRow } from "../store.ts";
import type { Run } from "./gate.ts";

/** The users repository over `db`; every call goes through `run`. */
export function sqliteUsers(db: Database, run: Run): UserRepository {
  return {
    byName: (username) => run(() => selectUserByName(db, username)),
    insert: (user) => run(() => insertUser(db, user)),
    setPasswordHash: (userId, hash) => run(() => updatePasswordHash(db, userId, hash)),
    setRoleAndDisabled: (userId, role, disabled) =>
      run(() => updateRoleAndDisabled(db, userId, role, disabled)),
    countActiveAdmins: () => run(() => countActiveAdmins(db)),
    pageAfter: (afterId, limit) => run(() => selectUsersAfter(db, afterId, limit)),
  };
}

/** The user called `username`, if any. */
export function selectUserByName(db: Database, username: string): UserRow | undefined {
  return db.prepare("SELECT * FROM users WHERE username = ?").get(username) as
    | UserRow
    | undefined;
}

/** Inserts a user; returns its id. Throws on a duplicate username (UNIQUE). */
export function insertUser(
  db: Database,
  user: { username: string; passwordHash: string; role: "user" | "admin"; createdAt: string },
): number {
  const result = db.prepare(
    "INSERT INTO users (username, password_hash, role, disabled, created_at) VALUES (?, ?, ?, 0, ?)",
  ).run(user.username, user.passwordHash, user.role, user.createdAt);
  return Number(result.lastInsertRowid);
}

/** Replaces a user's password hash. */
export function updatePasswordHash(db: Database, userId: number, passwordHash: string): void {
  db.prepare("UPDATE users SET password_hash = ? WHERE id = ?").run(passwordHash, userId);
}

/** Sets a user's role and disabled flag. */
export function updateRoleAndDisabled(
  db: Database,
  userId: number,
  role: "user" | "admin",
  disabled: boolean,
): void {
  db.prepare("UPDATE users SET role = ?, disabled = ? WHERE id = ?")
    .run(role, disabled ? 1 : 0, userId);
}

/** How many enabled admins exist. */
export function countActiveAdmins(db: Database): number {
  const row = db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0")
    .get();
  return Number(row?.n ?? 0);
}

/** Up to `limit` users with `id` above `afterId`, oldest first (no hashes). */
export function selectUsersAfter(db: Database, afterId: number, limit: number): PublicUserRow[] {
  return db.prepare(
    "SELECT id, username, role, disabled, created_at FROM users WHERE id > ? ORDER BY id LIMIT ?",
  ).all(afterId, limit) as unknown as PublicUserRow[];
}
