/**
 * @module Migration 5: room for rows imported from the Flask app (`otel-board import-flask`),
 * whose dates, methods, statuses and durations may be unknown.
 */

import { SEARCH_BODY_FUNCTION, SEARCH_PAIRS_FUNCTION } from "../search_functions.ts";

/**
 * SQLite cannot drop NOT NULL from a column, so `board` and `log_api` are rebuilt (create, copy,
 * drop, rename) with the same rows, `seq` values and AUTOINCREMENT counters, then their indexes
 * and search triggers are made again; the search index keeps its rows, which are keyed by `seq`.
 *
 * `board.imported` marks a post copied from the Flask app: only such a post may have no
 * `create_date` (or `update_date`). A `log_api` row with a NULL `method` is an imported call:
 * its method, status, duration and trace id are all unknown (its end time may be too), while
 * every row otel-board writes keeps all of them.
 */
export const IMPORTED_ROWS = `
CREATE TABLE board_new (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 30),
  content     TEXT    NOT NULL CHECK (length(content) BETWEEN 1 AND 2000),
  create_date TEXT,
  update_date TEXT,
  author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
  imported    INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
  CHECK (imported = 1 OR (create_date IS NOT NULL AND update_date IS NOT NULL))
) STRICT;
INSERT INTO board_new (seq, title, content, create_date, update_date, author_id)
SELECT seq, title, content, create_date, update_date, author_id FROM board ORDER BY seq;
-- The counter may be past the highest seq (deleted posts): their numbers are never reused.
DELETE FROM sqlite_sequence WHERE name = 'board_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'board_new', seq FROM sqlite_sequence
WHERE name = 'board';
DROP TABLE board;
ALTER TABLE board_new RENAME TO board;
CREATE INDEX board_author_id ON board (author_id);

CREATE TRIGGER board_search_insert AFTER INSERT ON board BEGIN
  INSERT INTO board_trigrams (rowid, body)
  VALUES (new.seq, ${SEARCH_BODY_FUNCTION}(new.title, new.content));
  INSERT INTO board_pairs (pair, seq)
  SELECT value, new.seq FROM json_each(${SEARCH_PAIRS_FUNCTION}(new.title, new.content));
END;
CREATE TRIGGER board_search_delete AFTER DELETE ON board BEGIN
  DELETE FROM board_trigrams WHERE rowid = old.seq;
  DELETE FROM board_pairs WHERE seq = old.seq
    AND pair IN (SELECT value FROM json_each(${SEARCH_PAIRS_FUNCTION}(old.title, old.content)));
END;
CREATE TRIGGER board_search_update AFTER UPDATE OF title, content ON board BEGIN
  DELETE FROM board_trigrams WHERE rowid = old.seq;
  DELETE FROM board_pairs WHERE seq = old.seq
    AND pair IN (SELECT value FROM json_each(${SEARCH_PAIRS_FUNCTION}(old.title, old.content)));
  INSERT INTO board_trigrams (rowid, body)
  VALUES (new.seq, ${SEARCH_BODY_FUNCTION}(new.title, new.content));
  INSERT INTO board_pairs (pair, seq)
  SELECT value, new.seq FROM json_each(${SEARCH_PAIRS_FUNCTION}(new.title, new.content));
END;

CREATE TABLE log_api_new (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  user_ip            TEXT    CHECK (length(user_ip) <= 45),
  user_id            TEXT    CHECK (length(user_id) <= 30),
  start_time         TEXT    NOT NULL,
  end_time           TEXT,
  call_url           TEXT    NOT NULL CHECK (length(call_url) <= 100),
  call_url_parameter TEXT    CHECK (length(call_url_parameter) <= 300),
  method             TEXT    CHECK (length(method) <= 16),
  status             INTEGER,
  duration_ms        REAL,
  trace_id           TEXT    CHECK (length(trace_id) = 32),
  CHECK (method IS NULL OR (end_time IS NOT NULL AND status IS NOT NULL AND duration_ms IS NOT NULL)),
  CHECK (method IS NOT NULL OR (status IS NULL AND duration_ms IS NULL AND trace_id IS NULL))
) STRICT;
INSERT INTO log_api_new SELECT * FROM log_api ORDER BY seq;
DELETE FROM sqlite_sequence WHERE name = 'log_api_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'log_api_new', seq FROM sqlite_sequence
WHERE name = 'log_api';
DROP TABLE log_api;
ALTER TABLE log_api_new RENAME TO log_api;
CREATE INDEX log_api_start_time ON log_api (start_time);
CREATE INDEX log_api_call_url ON log_api (call_url, start_time);
CREATE INDEX log_api_user_id ON log_api (user_id, start_time);
CREATE INDEX log_api_status ON log_api (status, start_time);
CREATE INDEX log_api_trace_id ON log_api (trace_id, start_time) WHERE trace_id IS NOT NULL;
CREATE INDEX log_api_method ON log_api (method, start_time);
`;
