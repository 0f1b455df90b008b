/**
 * @module SQLite statements for the `sessions` table (token hashes, never tokens), and the
 * sessions repository over them.
 */

import type { Database } from "../database.ts";
import type { SessionRepository, SessionUserRow } from "../store.ts";
import type { Run } from "./gate.ts";

/** The sessions repository over `db`; every call goes through `run`. */
export function sqliteSessions(db: Database, run: Run): SessionRepository {
  return {
    insert: (session) => run(() => insertSession(db, session)),
    userOf: (tokenHash, now) => run(() => selectSessionUser(db, tokenHash, now)),
    remove: (tokenHash) => run(() => deleteSession(db, tokenHash)),
    removeForUser: (userId, keepTokenHash) =>
      run(() => deleteUserSessions(db, userId, keepTokenHash)),
    removeExpired: (now) => run(() => deleteExpiredSessions(db, now)),
  };
}

/** Stores a session. */
export function insertSession(
  db: Database,
  session: { tokenHash: string; userId: number; createdAt: string; expiresAt: string },
): void {
  db.prepare(
    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
  )
    .run(session.tokenHash, session.userId, session.createdAt, session.expiresAt);
}

/** The enabled user of an unexpired session, if any. */
export function selectSessionUser(
  db: Database,
  tokenHash: string,
  now: string,
): SessionUserRow | undefined {
  return db.prepare(
    `SELECT s.user_id, u.username, u.role, s.expires_at
     FROM sessions AS s JOIN users AS u ON u.id = s.user_id
     WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0`,
  ).get(tokenHash, now) as SessionUserRow | undefined;
}

/** Deletes one session. */
export function deleteSession(db: Database, tokenHash: string): void {
  db.prepare("DELETE FROM sessions WHERE token_hash = ?").run(tokenHash);
}

/** Deletes every session of a user except `keepTokenHash` (when given). */
export function deleteUserSessions(db: Database, userId: number, keepTokenHash?: string): number {
  const result = db.prepare("DELETE FROM sessions WHERE user_id = ? AND token_hash != ?")
    .run(userId, keepTokenHash ?? "");
  return Number(result.changes);
}

/** Deletes sessions that expired before `now`; returns how many. */
export function deleteExpiredSessions(db: Database, now: string): number {
  return Number(db.prepare("DELETE FROM sessions WHERE expires_at <= ?").run(now).changes);
}
