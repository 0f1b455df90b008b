/** @module Migration 1: users, board and log_api with the seed app's columns kept. */

/** The first schema. Lengths are checked in characters (code points), as the API counts them. */
export const INITIAL_SCHEMA = `
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT    NOT NULL UNIQUE CHECK (length(username) BETWEEN 3 AND 30),
  password_hash TEXT    NOT NULL,
  role          TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at    TEXT    NOT NULL
) STRICT;

CREATE TABLE board (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 30),
  content     TEXT    NOT NULL CHECK (length(content) BETWEEN 1 AND 2000),
  create_date TEXT    NOT NULL,
  update_date TEXT    NOT NULL,
  author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX board_author_id ON board (author_id);

CREATE TABLE log_api (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  user_ip            TEXT    CHECK (length(user_ip) <= 45),
  user_id            TEXT    CHECK (length(user_id) <= 30),
  start_time         TEXT    NOT NULL,
  end_time           TEXT    NOT NULL,
  call_url           TEXT    NOT NULL CHECK (length(call_url) <= 100),
  call_url_parameter TEXT    CHECK (length(call_url_parameter) <= 300),
  method             TEXT    NOT NULL CHECK (length(method) <= 16),
  status             INTEGER NOT NULL,
  duration_ms        REAL    NOT NULL,
  trace_id           TEXT    CHECK (length(trace_id) = 32)
) STRICT;
-- GET /log reads newest first by (start_time, seq); every index ends in start_time (and,
-- implicitly, seq), so each filter is one index range read in order, never a sort.
CREATE INDEX log_api_start_time ON log_api (start_time);
CREATE INDEX log_api_call_url ON log_api (call_url, start_time);
CREATE INDEX log_api_user_id ON log_api (user_id, start_time);
CREATE INDEX log_api_status ON log_api (status, start_time);
`;
