/**
 * @module The SQL functions the board's search index triggers call (migration 4), so SQLite
 * indexes a post's text through lib/search_text.ts exactly as queries are normalised.
 */

import type { DatabaseSync } from "node:sqlite";
import { characterPairs, searchText } from "../lib/search_text.ts";

/** `otel_board_search_body(title, content)`: the text the trigram index holds for a post. */
export const SEARCH_BODY_FUNCTION = "otel_board_search_body";
/** `otel_board_search_pairs(title, content)`: a JSON array of the post's character pairs. */
export const SEARCH_PAIRS_FUNCTION = "otel_board_search_pairs";

/**
 * Registers both functions on a connection. Every connection that writes `board` needs them
 * (openDatabase registers them before migrating); without them a write fails with "no such
 * function" rather than leaving the index behind.
 */
export function registerSearchFunctions(raw: DatabaseSync): void {
  const options = { deterministic: true, directOnly: false, varargs: false };
  // A newline between title and content: no term holds white space, so none matches across.
  raw.function(
    SEARCH_BODY_FUNCTION,
    options,
    (title, content) => `${searchText(String(title))}\n${searchText(String(content))}`,
  );
  raw.function(SEARCH_PAIRS_FUNCTION, options, (title, content) => {
    const pairs = new Set([
      ...characterPairs(searchText(String(title))),
      ...characterPairs(searchText(String(content))),
    ]);
    return JSON.stringify([...pairs]);
  });
}
