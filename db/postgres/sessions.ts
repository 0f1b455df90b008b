/**
 * @module PostgreSQL statements for the `sessions` table (token hashes, never tokens), and the
 * sessions repository over them.
 */

import type { SessionRepository, SessionUserRow } from "../store.ts";
import type { PgSession } from "./client.ts";

/** The sessions repository over `db` (the pool, or one transaction). */
export function postgresSessions(db: PgSession): SessionRepository {
  return {
    insert: async (session) => {
      await db.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        [session.tokenHash, session.userId, session.createdAt, session.expiresAt],
      );
    },
    userOf: async (tokenHash, now) =>
      (await db.query(
        `SELECT s.user_id, u.username, u.role, s.expires_at
         FROM sessions AS s JOIN users AS u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0`,
        [tokenHash, now],
      ))[0] as SessionUserRow | undefined,
    remove: async (tokenHash) => {
      await db.execute("DELETE FROM sessions WHERE token_hash = $1", [tokenHash]);
    },
    removeForUser: (userId, keepTokenHash) =>
      db.execute("DELETE FROM sessions WHERE user_id = $1 AND token_hash != $2", [
        userId,
        keepTokenHash ?? "",
      ]),
    removeExpired: (now) => db.execute("DELETE FROM sessions WHERE expires_at <= $1", [now]),
  };
}
