/** @module SQL for the `users` table. */

import type { Database } from "./database.ts";

/** A user as stored (with the password hash: never hand this to a client). */
export interface UserRow {
  readonly id: number;
  readonly username: string;
  readonly password_hash: string;
  readonly role: "user" | "admin";
  readonly disabled: number;
  readonly created_at: string;
}

/** A user as an admin sees it: no hash. */
export type PublicUserRow = Omit<UserRow, "password_hash">;

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
