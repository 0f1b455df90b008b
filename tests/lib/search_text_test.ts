/** @module Tests for lib/search_text.ts: the one normalisation of searchable text, terms and pairs. */

import assert from "node:assert/strict";
import { characterPairs, searchTerms, searchText } from "../../lib/search_text.ts";

Deno.test("searchText composes to NFC: decomposed Hangul becomes the composed syllables", () => {
  const decomposed = "공지사항".normalize("NFD");
  assert.equal([...decomposed].length, 10, "jamo, not syllables");
  assert.equal(searchText(decomposed), "공지사항");
  assert.equal(searchText("공지사항"), "공지사항", "composed Hangul is kept as it is");
});

Deno.test("searchText folds case fully: OTEL, Otel and otel meet, ß and SS too", () => {
  assert.equal(searchText("OTEL Otel otel"), "otel otel otel");
  assert.equal(searchText("Straße"), searchText("STRASSE"));
  assert.equal(searchText("ΣΊΣΥΦΟΣ"), searchText("σίσυφος"), "final sigma");
  assert.equal(searchText("ﬁle"), "file", "a ligature folds to its letters");
});

Deno.test("searchText drops Latin accents but keeps the marks of other scripts", () => {
  assert.equal(searchText("Café crème naïve façade"), "cafe creme naive facade");
  assert.equal(searchText("Cafe\u0301"), "cafe", "a decomposed accent too");
  assert.equal(searchText("ガイド"), "ガイド", "kana keep their voicing marks");
  assert.notEqual(searchText("ガ"), searchText("カ"));
  assert.equal(searchText("हिन्दी"), "हिन्दी".normalize("NFC"), "Devanagari signs are kept");
});

Deno.test("searchText is idempotent, so applying it twice changes nothing", () => {
  for (const text of ["Ǆemal İstanbul", "ﬃ ß Σ", "게시판".normalize("NFD"), "Å Å Å"]) {
    assert.equal(searchText(searchText(text)), searchText(text), text);
  }
});

Deno.test("searchTerms normalises, splits at any white space and drops repeats", () => {
  assert.deepEqual(searchTerms("  OTEL\t게시판\n otel  "), ["otel", "게시판"]);
  assert.deepEqual(searchTerms("a\u3000b"), ["a", "b"], "the ideographic space separates");
  assert.deepEqual(searchTerms(" \t "), []);
});

Deno.test("characterPairs lists each pair of adjacent code points once, none with a space", () => {
  assert.deepEqual(characterPairs("공지사항"), ["공지", "지사", "사항"]);
  assert.deepEqual(characterPairs("abab"), ["ab", "ba"]);
  assert.deepEqual(characterPairs("ab cd"), ["ab", "cd"]);
  assert.deepEqual(characterPairs("😀😁x"), ["😀😁", "😁x"], "code points, not UTF-16 units");
  assert.deepEqual(characterPairs("a"), []);
});
