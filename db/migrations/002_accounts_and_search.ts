/** @module Migration 2: sessions for accounts, and FTS5 search over board posts. */

/**
 * Sessions store the SHA-256 of their token, never the token. `board_fts` is an
 * external-content FTS5 index over board(title, content), kept in sync by triggers and
 * backfilled from the posts that already exist.
 */
export const ACCOUNTS_AND_SEARCH = `
CREATE TABLE sessions (
  token_hash TEXT    PRIMARY KEY CHECK (length(token_hash) = 64),
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TEXT    NOT NULL,
  expires_at TEXT    NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE VIRTUAL TABLE board_fts USING fts5(
  title, content, content = 'board', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER board_fts_insert AFTER INSERT ON board BEGIN
  INSERT INTO board_fts (rowid, title, content) VALUES (new.seq, new.title, new.content);
END;
CREATE TRIGGER board_fts_delete AFTER DELETE ON board BEGIN
  INSERT INTO board_fts (board_fts, rowid, title, content)
  VALUES ('delete', old.seq, old.title, old.content);
END;
CREATE TRIGGER board_fts_update AFTER UPDATE OF title, content ON board BEGIN
  INSERT INTO board_fts (board_fts, rowid, title, content)
  VALUES ('delete', old.seq, old.title, old.content);
  INSERT INTO board_fts (rowid, title, content) VALUES (new.seq, new.title, new.content);
END;
INSERT INTO board_fts (board_fts) VALUES ('rebuild');
`;
