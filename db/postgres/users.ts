/** @module PostgreSQL statements for the `users` table, and the users repository over them. */

import type { PublicUserRow, UserRepository, UserRow } from "../store.ts";
import { holdsNul, type PgSession } from "./client.ts";

/** The users repository over `db` (the pool, or one transaction). */
export function postgresUsers(db: PgSession): UserRepository {
  return {
    byName: async (username) =>
      holdsNul(username)
        ? undefined
        : (await db.query("SELECT * FROM users WHERE username = $1", [username]))[0] as
          | UserRow
          | undefined,
    insert: async (user) => {
      const [row] = await db.query(
        `INSERT INTO users (username, password_hash, role, disabled, created_at)
         VALUES ($1, $2, $3, 0, $4) RETURNING id`,
        [user.username, user.passwordHash, user.role, user.createdAt],
      );
      return Number(row!.id);
    },
    setPasswordHash: async (userId, hash) => {
      await db.execute("UPDATE users SET password_hash = $1 WHERE id = $2", [hash, userId]);
    },
    setRoleAndDisabled: async (userId, role, disabled) => {
      await db.execute("UPDATE users SET role = $1, disabled = $2 WHERE id = $3", [
        role,
        disabled ? 1 : 0,
        userId,
      ]);
    },
    countActiveAdmins: async () => {
      const [row] = await db.query(
        "SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0",
      );
      return Number(row?.n ?? 0);
    },
    pageAfter: async (afterId, limit) =>
      await db.query(
        "SELECT id, username, role, disabled, created_at FROM users WHERE id > $1 ORDER BY id LIMIT $2",
        [afterId, limit],
      ) as unknown as PublicUserRow[],
  };
}
