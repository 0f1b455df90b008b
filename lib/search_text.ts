/** @module The one normalisation of searchable text, for posts as they are indexed and for queries. */

/** Combining diacritical marks (U+0300–U+036F): the accents of Latin, Greek and Cyrillic letters. */
const DIACRITICS = /[\u0300-\u036f]/gu;
const WHITESPACE = /\s/u;

/** The fewest characters of the longest word of a query: the shortest index holds pairs. */
export const MIN_TERM_CHARACTERS = 2;

/**
 * Text as the search index holds it and as queries are compared with it: NFC, case-folded
 * (upper then lower case, so "ß" and "SS" meet as "ss"), without Latin/Greek/Cyrillic accents
 * ("Café" → "cafe"; Hangul, kana and other scripts keep every mark), NFC again. Every store
 * applies exactly this function at write and at query time (SQLite calls it from its index
 * triggers; the PostgreSQL store computes it in the service's process when it writes a post,
 * db/postgres/search_body.ts).
 */
export function searchText(text: string): string {
  return text.normalize("NFD").toUpperCase().toLowerCase().normalize("NFD")
    .replace(DIACRITICS, "").normalize("NFC");
}

/** The distinct terms of a query, normalised by {@link searchText} and split at white space. */
export function searchTerms(query: string): string[] {
  return [...new Set(searchText(query).split(/\s+/u).filter((term) => term !== ""))];
}

/**
 * The distinct pairs of adjacent characters (code points) in already normalised `text`,
 * leaving out pairs with white space: a term never holds any, so such a pair is never asked for.
 */
export function characterPairs(normalised: string): string[] {
  const characters = [...normalised];
  const pairs = new Set<string>();
  for (let i = 1; i < characters.length; i++) {
    const first = characters[i - 1]!;
    const second = characters[i]!;
    if (!WHITESPACE.test(first) && !WHITESPACE.test(second)) pairs.add(first + second);
  }
  return [...pairs];
}
