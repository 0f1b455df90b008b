/**
 * @module The text PostgreSQL's search index holds for a post: lib/search_text.ts's one
 * normalisation, applied by the service (not by SQL), so both engines compare identical text.
 */

import { searchText } from "../../lib/search_text.ts";

/**
 * The post's normalised title and content, a newline between them as in SQLite's index: no term
 * holds white space, so none matches across the two.
 */
export function searchBody(title: string, content: string): string {
  return `${searchText(title)}\n${searchText(content)}`;
}
