/** @module The pages' catalogue: language choice, and both languages filling the same blanks. */

import assert from "node:assert/strict";
import { CATALOGUE, chooseLang, fieldMessageKey, text } from "../../../routes/web/i18n.ts";

Deno.test("chooseLang: the cookie wins, then Accept-Language's higher of ko and en, else Korean", () => {
  const cases: [string | undefined, string | undefined, string][] = [
    [undefined, undefined, "ko"],
    [undefined, "en-US,en;q=0.9", "en"],
    [undefined, "ko-KR,ko;q=0.9,en;q=0.8", "ko"],
    [undefined, "fr-FR, en;q=0.5, ko;q=0.4", "en"],
    [undefined, "de-DE, fr;q=0.9", "ko"],
    [undefined, "en;q=0, ko;q=0.1", "ko"],
    ["en", "ko-KR", "en"],
    ["ko", "en-US", "ko"],
    ["xx", "en", "en"],
  ];
  for (const [cookie, accept, expected] of cases) {
    assert.equal(chooseLang(cookie, accept), expected, `${cookie} / ${accept}`);
  }
});

Deno.test("Every message has the same {placeholders} in Korean and English", () => {
  const blanks = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [key, english] of Object.entries(CATALOGUE.en)) {
    const korean = CATALOGUE.ko[key as keyof typeof CATALOGUE.en];
    assert.deepEqual(blanks(korean), blanks(english), key);
    assert.notEqual(korean.trim(), "", key);
  }
});

Deno.test("Field messages are keyed by the API's code and the field; unknown pairs have none", () => {
  assert.equal(fieldMessageKey("invalid_body", "title"), "invalid_body.title");
  assert.equal(fieldMessageKey("conflict", "username"), "conflict.username");
  assert.equal(fieldMessageKey("invalid_body", "nonsense"), undefined);
  assert.equal(text("en", "users.saved", { name: "minji" }), "Saved minji.");
});
