/**
 * @module Migration 4: substring search. The word index of migration 2 (unicode61) cannot find
 * `게시판` inside `자유게시판에`; it is replaced by a trigram index (terms of three or more
 * characters) and a character-pair index (two-character terms), both backfilled.
 */

import { SEARCH_BODY_FUNCTION, SEARCH_PAIRS_FUNCTION } from "../search_functions.ts";

/**
 * Both indexes hold text as lib/search_text.ts normalises it (through the functions of
 * db/search_functions.ts), so the trigram tokenizer is told not to fold case itself.
 * `board_trigrams` is contentless (it stores no copy of the posts) and deletes by rowid;
 * `board_pairs` holds each distinct pair of a post once, keyed (pair, seq) so a two-character
 * term is one index range read newest first. The triggers keep both in step with `board`.
 */
export const SUBSTRING_SEARCH = `
DROP TRIGGER board_fts_insert;
DROP TRIGGER board_fts_delete;
DROP TRIGGER board_fts_update;
DROP TABLE board_fts;

CREATE VIRTUAL TABLE board_trigrams USING fts5(
  body, content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1'
);
CREATE TABLE board_pairs (
  pair TEXT    NOT NULL,
  seq  INTEGER NOT NULL,
  PRIMARY KEY (pair, seq)
) STRICT, WITHOUT ROWID;

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

INSERT INTO board_trigrams (rowid, body)
SELECT seq, ${SEARCH_BODY_FUNCTION}(title, content) FROM board;
-- In key order: appending sorted rows is faster than inserting them all over the B-tree.
INSERT INTO board_pairs (pair, seq)
SELECT pairs.value, board.seq
FROM board, json_each(${SEARCH_PAIRS_FUNCTION}(board.title, board.content)) AS pairs
ORDER BY 1, 2;
`;
