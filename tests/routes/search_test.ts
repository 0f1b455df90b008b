/**
 * @module Tests for GET /board/search: substring matching (Korean, English, mixed), normalisation,
 * ordering, paging, validation, limits.
 */

import assert from "node:assert/strict";
import { insertPosts } from "../../db/sqlite/posts.ts";
import { problemOf } from "../../testing/problem.ts";
import { type TestApp, testApp } from "../../testing/test_app.ts";

const POST_KEYS = ["author", "content", "create_date", "seq", "title", "update_date"];

interface Post {
  seq: number;
  title: string;
  content: string;
  author: string | null;
}

/** Adds posts (no author) and returns their seq values, oldest first. */
function addPosts(t: TestApp, posts: readonly [title: string, content: string][]): number[] {
  return insertPosts(
    t.db,
    posts.map(([title, content], i) => ({
      title,
      content,
      createDate: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      authorId: null,
    })),
  );
}

async function search(t: TestApp, q: string, extra = ""): Promise<Post[]> {
  const response = await t.request(`/board/search?q=${encodeURIComponent(q)}${extra}`);
  assert.equal(response.status, 200, `q=${JSON.stringify(q)}: ${await response.clone().text()}`);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  return await response.json();
}

async function seqsOf(t: TestApp, q: string, extra = ""): Promise<number[]> {
  return (await search(t, q, extra)).map((p) => p.seq);
}

Deno.test("GET /board/search finds the demo posts of a fresh database", async () => {
  using t = await testApp();
  const posts = await search(t, "Welcome");
  assert.equal(posts.length, 1);
  assert.equal(posts[0]!.title, "Welcome to otel-board");
  assert.deepEqual(Object.keys(posts[0]!).sort(), POST_KEYS);
  assert.equal(posts[0]!.author, null);
});

Deno.test("GET /board/search matches title and content, newest first, ignoring case", async () => {
  using t = await testApp({ demoData: false });
  const [pie, juice, , split] = addPosts(t, [
    ["Apple pie", "Sweet and warm"],
    ["Other", "I like apple juice"],
    ["Banana", "Yellow"],
    ["APPLE", "banana split"],
  ]);
  assert.deepEqual(await seqsOf(t, "apple"), [split, juice, pie]);
  assert.deepEqual(await seqsOf(t, "APPLE"), [split, juice, pie]);
  assert.deepEqual(await seqsOf(t, "aPpLe"), [split, juice, pie]);
  assert.deepEqual(await seqsOf(t, "juice"), [juice], "a word only in the content");
  assert.deepEqual(await seqsOf(t, "pie"), [pie], "a word only in the title");
  assert.deepEqual(await seqsOf(t, "cherry"), []);
});

Deno.test("GET /board/search finds Korean terms inside words, particles attached", async () => {
  using t = await testApp({ demoData: false });
  const [free, board, notice, hello, other] = addPosts(t, [
    ["자유게시판에", "글을 남겨 주세요"],
    ["안내", "게시판입니다"],
    ["공지사항", "이번 주 점검 일정"],
    ["인사", "여러분 안녕하세요"],
    ["날씨", "오늘은 맑음"],
  ]);
  assert.deepEqual(await seqsOf(t, "게시판"), [board, free], "3 characters, title and content");
  assert.deepEqual(await seqsOf(t, "공지"), [notice], "2 characters at the start of a word");
  assert.deepEqual(await seqsOf(t, "안녕"), [hello], "2 characters inside the content");
  assert.deepEqual(await seqsOf(t, "사항"), [notice], "2 characters at the end of a word");
  assert.deepEqual(await seqsOf(t, "맑음"), [other]);
  assert.deepEqual(await seqsOf(t, "게시판 공지"), [], "every word must match");
  assert.deepEqual(await seqsOf(t, "공지 점검"), [notice], "two 2-character words, both held");
  assert.deepEqual(await seqsOf(t, "공지 일정 이번"), [notice]);
  assert.deepEqual(await seqsOf(t, "판에글"), [], "no match across title and content");
  assert.deepEqual(await seqsOf(t, "남겨주"), [], "no match across a space");
  assert.deepEqual(await seqsOf(t, "안녕 세요"), [hello], "2- and 2-character words");
  assert.deepEqual(await seqsOf(t, "게시판 입니"), [board], "3- and 2-character words");
});

Deno.test("GET /board/search matches mixed Korean and English text, case folded", async () => {
  using t = await testApp({ demoData: false });
  const [mixed, english, korean] = addPosts(t, [
    ["OTEL 게시판", "otel-board에 오신 것을 환영합니다"],
    ["Tracing", "spans from OpenTelemetry"],
    ["게시글", "otel 없음"],
  ]);
  assert.deepEqual(await seqsOf(t, "otel 게시"), [korean, mixed]);
  assert.deepEqual(await seqsOf(t, "OTEL"), [korean, mixed], "OTEL finds otel and OTEL");
  assert.deepEqual(await seqsOf(t, "Otel-Board에"), [mixed], "a term with a particle");
  assert.deepEqual(await seqsOf(t, "TELEMETRY"), [english], "inside a word");
  assert.deepEqual(await seqsOf(t, "AC"), [english], "2 Latin characters inside a word");
  assert.deepEqual(await seqsOf(t, "OT 없음"), [korean]);
  assert.deepEqual(await seqsOf(t, "STRASSE"), []);
  const [street] = addPosts(t, [["Straße", "Adresse"]]);
  assert.deepEqual(await seqsOf(t, "STRASSE"), [street], "ß folds to ss, as SS does");
});

Deno.test("GET /board/search finds NFC text from NFD input, and NFD text from NFC input", async () => {
  using t = await testApp({ demoData: false });
  const nfcTitle = "한글 공지";
  const nfdContent = "게시판 안내".normalize("NFD");
  assert.notEqual(nfdContent, "게시판 안내", "the content really is decomposed");
  const [composed, decomposed] = addPosts(t, [[nfcTitle, "본문"], ["제목", nfdContent]]);
  assert.deepEqual(await seqsOf(t, "한글".normalize("NFD")), [composed], "NFD query, NFC post");
  assert.deepEqual(await seqsOf(t, "공지".normalize("NFD")), [composed]);
  assert.deepEqual(await seqsOf(t, "게시판"), [decomposed], "NFC query, NFD post (3 characters)");
  assert.deepEqual(await seqsOf(t, "안내"), [decomposed], "NFC query, NFD post (2 characters)");
  const [accented] = addPosts(t, [["Cafe\u0301 noir".normalize("NFD"), "x"]]);
  assert.deepEqual(await seqsOf(t, "café"), [accented]);
});

Deno.test("GET /board/search?q=가 answers 400 saying a word needs 2 characters", async () => {
  using t = await testApp({ demoData: false });
  addPosts(t, [["가나다", "가"]]);
  for (const q of ["가", "가 나", "a", "가".normalize("NFD")]) {
    const response = await t.request(`/board/search?q=${encodeURIComponent(q)}`);
    assert.equal(response.status, 400, q);
    const problem = await problemOf(response);
    assert.equal(problem.code, "invalid_parameter");
    assert.match(String(problem.detail), /alone: a search needs a word of at least 2 characters/);
  }
});

Deno.test("GET /board/search checks a one-character word beside a longer one", async () => {
  using t = await testApp({ demoData: false });
  const [c, java, hangul] = addPosts(t, [
    ["C 언어", "포인터"],
    ["Java 언어", "클래스"],
    ["한 사람", "언어의 한 사람"],
  ]);
  assert.deepEqual(await seqsOf(t, "c 언어"), [c]);
  assert.deepEqual(await seqsOf(t, "언어"), [hangul, java, c]);
  assert.deepEqual(await seqsOf(t, "언어 한"), [hangul]);
  assert.deepEqual(await seqsOf(t, "클래스 j"), [java], "beside a trigram word");
});

Deno.test("GET /board/search reads FTS5 syntax characters as plain text", async () => {
  using t = await testApp({ demoData: false });
  const [quoted, star, or, near] = addPosts(t, [
    ['He said "안녕"', "x"],
    ["별표*", "5*"],
    ["this OR that", "y"],
    ["NEAR(a b)", "z"],
    ["near a b", "plain"],
  ]);
  assert.deepEqual(await seqsOf(t, '"안녕"'), [quoted], "quotes are part of the term");
  assert.deepEqual(await seqsOf(t, '녕"'), [quoted], "a quote in a 2-character term");
  assert.deepEqual(await seqsOf(t, "표*"), [star], "* is a character, not a prefix operator");
  assert.deepEqual(await seqsOf(t, "5*"), [star]);
  assert.deepEqual(await seqsOf(t, "OR"), [or], "OR is text, not an operator");
  assert.deepEqual(await seqsOf(t, "near("), [near], "NEAR( is text, not a group");
  assert.deepEqual(await seqsOf(t, "NEAR(a"), [near]);
});

Deno.test("GET /board/search with several words finds posts holding all of them", async () => {
  using t = await testApp({ demoData: false });
  const [pie, , , split] = addPosts(t, [
    ["Apple pie", "Sweet and warm"],
    ["Other", "I like apple juice"],
    ["Banana", "Yellow"],
    ["APPLE", "banana split"],
  ]);
  assert.deepEqual(await seqsOf(t, "apple banana"), [split]);
  assert.deepEqual(await seqsOf(t, "banana   APPLE"), [split], "order and spacing do not matter");
  assert.deepEqual(await seqsOf(t, "apple\tsweet"), [pie], "title word and content word");
  assert.deepEqual(await seqsOf(t, " apple  pie "), [pie]);
  assert.deepEqual(await seqsOf(t, "apple cherry"), [], "one missing word: no match");
});

Deno.test("GET /board/search folds diacritics: cafe finds Café and the other way round", async () => {
  using t = await testApp({ demoData: false });
  const [cafe, naive, plain] = addPosts(t, [
    ["Café crème", "Au coin de la rue"],
    ["Idea", "A naïve façade"],
    ["cafe", "no accents here"],
  ]);
  assert.deepEqual(await seqsOf(t, "cafe"), [plain, cafe]);
  assert.deepEqual(await seqsOf(t, "CAFÉ"), [plain, cafe]);
  assert.deepEqual(await seqsOf(t, "creme"), [cafe]);
  assert.deepEqual(await seqsOf(t, "naive facade"), [naive]);
});

Deno.test("GET /board/search follows edits and deletes of posts", async () => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const created = await t.request("/board", {
    method: "POST",
    headers,
    body: JSON.stringify({ title: "Zebra crossing", content: "Stripes everywhere" }),
  });
  assert.equal(created.status, 201);
  const { seq } = await created.json();
  const found = await search(t, "zebra");
  assert.deepEqual(found.map((p) => p.seq), [seq]);
  assert.equal(found[0]!.author, "alice");

  const edited = await t.request(`/board/posts/${seq}`, {
    method: "PUT",
    headers,
    body: JSON.stringify({ title: "Giraffe", content: "Long neck" }),
  });
  assert.equal(edited.status, 200);
  await edited.body?.cancel();
  assert.deepEqual(await seqsOf(t, "zebra"), [], "the old title is gone from the index");
  assert.deepEqual(await seqsOf(t, "stripes"), [], "the old content is gone from the index");
  assert.deepEqual(await seqsOf(t, "giraffe"), [seq]);
  assert.deepEqual(await seqsOf(t, "neck"), [seq]);

  const deleted = await t.request(`/board/posts/${seq}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(deleted.status, 204);
  assert.deepEqual(await seqsOf(t, "giraffe"), []);
  assert.deepEqual(await seqsOf(t, "neck"), []);
  const integrity = t.db.prepare(
    "INSERT INTO board_trigrams (board_trigrams) VALUES ('integrity-check')",
  );
  integrity.run();
});

Deno.test("GET /board/search pages like /board: limit, before and a Link to the next page", async () => {
  using t = await testApp({ demoData: false });
  const all = addPosts(
    t,
    Array.from(
      { length: 60 },
      (_, i) => i % 3 === 0 ? [`Hay ${i}`, "nothing to see"] : [`Needle ${i}`, "found it"],
    ),
  );
  const needles = all.filter((_, i) => i % 3 !== 0).reverse();
  assert.equal(needles.length, 40);

  const first = await t.request("/board/search?q=needle&limit=15");
  assert.equal(first.status, 200);
  const page: Post[] = await first.json();
  assert.deepEqual(page.map((p) => p.seq), needles.slice(0, 15));
  assert.equal(
    first.headers.get("link"),
    `</board/search?q=needle&limit=15&before=${needles[14]}>; rel="next"`,
  );

  const seen: number[] = [];
  let next: string | undefined = "/board/search?q=needle&limit=15";
  let pages = 0;
  while (next !== undefined) {
    const response = await t.request(next);
    assert.equal(response.status, 200);
    seen.push(...(await response.json()).map((p: Post) => p.seq));
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1];
    pages++;
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen, needles, "every match once, newest first");

  const before = await seqsOf(t, "needle", `&before=${needles[9]}&limit=5`);
  assert.deepEqual(before, needles.slice(10, 15));
  const last = await t.request("/board/search?q=needle&limit=40");
  assert.equal((await last.json()).length, 40);
  assert.equal(last.headers.get("link"), null, "no Link on the last page");
});

Deno.test("GET /board/search Link keeps a multi-word, accented query intact", async () => {
  using t = await testApp({ demoData: false });
  const seqs = addPosts(t, Array.from({ length: 5 }, (_, i) => [`Café ${i}`, "crème & co"]));
  const q = "café crème &";
  const first = await t.request(`/board/search?q=${encodeURIComponent(q)}&limit=3`);
  assert.deepEqual((await first.json()).map((p: Post) => p.seq), seqs.slice(2).reverse());
  const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.get("link") ?? "")?.[1];
  assert.ok(link, "a Link to the next page");
  assert.equal(new URL(link, "http://x").searchParams.get("q"), q);
  const second = await t.request(link);
  assert.deepEqual((await second.json()).map((p: Post) => p.seq), seqs.slice(0, 2).reverse());
});

Deno.test("GET /board/search answers at most 100 posts when no limit is given", async () => {
  using t = await testApp({ demoData: false });
  addPosts(t, Array.from({ length: 130 }, (_, i) => [`Match ${i}`, "common word"]));
  const response = await t.request("/board/search?q=common");
  const posts: Post[] = await response.json();
  assert.equal(posts.length, 100);
  assert.match(
    response.headers.get("link") ?? "",
    /^<\/board\/search\?q=common&before=\d+>; rel="next"$/,
  );
});

for (
  const [query, expected] of [
    ["", /"q" is missing or empty/],
    ["q=", /"q" is missing or empty/],
    ["q=%20%20", /"q" is missing or empty/],
    ["q=%09%0A%20", /"q" is missing or empty/],
    [`q=${"a".repeat(201)}`, /longer than 200/],
    [`q=${encodeURIComponent("é".repeat(201))}`, /longer than 200/],
    ["q=x&limit=0", /limit/],
    ["q=x&limit=1001", /limit/],
    ["q=x&limit=abc", /limit/],
    ["q=x&before=0", /before/],
    ["q=x&before=-3", /before/],
    ["q=x&q=y", /"q" is given more than once/],
  ] as const
) {
  Deno.test(`GET /board/search?${query.slice(0, 40)} answers 400 invalid_parameter`, async () => {
    using t = await testApp();
    const response = await t.request(`/board/search?${query}`);
    assert.equal(response.status, 400);
    const problem = await problemOf(response);
    assert.equal(problem.code, "invalid_parameter");
    assert.match(String(problem.detail), expected);
  });
}

Deno.test("GET /board/search accepts a query of exactly 200 characters, counted in code points", async () => {
  using t = await testApp();
  assert.deepEqual(await search(t, "a".repeat(200)), []);
  assert.deepEqual(await search(t, "😀".repeat(200)), [], "400 UTF-16 units, 200 characters");
});

const FTS_SYNTAX = [
  '"',
  '""',
  "*",
  "a*",
  "AND",
  "OR NOT",
  "NOT",
  "NEAR(a b)",
  "NEAR(a b, 2)",
  "title:x",
  "content:welcome",
  "{title content}:x",
  "(",
  ")",
  "()",
  "^",
  "^welcome",
  "-x",
  "+x",
  "'",
  "\\",
  "\\\\",
  "{a}",
  'a"b',
  '"a',
  'a" OR "b',
  "a AND OR b",
  "welcome\u0000",
  "\u0000",
  ":",
  ",",
  "rowid:1",
  "board_fts:x",
  "'; DROP TABLE board; --",
  "<script>",
];

Deno.test("GET /board/search never answers 500 for FTS5 syntax in the query", async (ctx) => {
  using t = await testApp();
  for (const q of FTS_SYNTAX) {
    await ctx.step(JSON.stringify(q), async () => {
      const response = await t.request(`/board/search?q=${encodeURIComponent(q)}`);
      const body = await response.text();
      assert.ok(
        response.status === 200 || response.status === 400,
        `q=${JSON.stringify(q)} → ${response.status} ${body}`,
      );
      if (response.status === 200) assert.ok(Array.isArray(JSON.parse(body)));
    });
  }
  assert.equal((await t.request("/board/6")).status, 200, "the board still answers");
});

Deno.test("GET /board/search reads FTS5 operators as plain words", async () => {
  using t = await testApp({ demoData: false });
  const [near, and, star] = addPosts(t, [
    ["near the river", "Water"],
    ["Rock and roll", "Music"],
    ["Stars", "a star is born"],
  ]);
  assert.deepEqual(await seqsOf(t, "NEAR"), [near], "NEAR is a word, not an operator");
  assert.deepEqual(await seqsOf(t, "AND"), [and], "AND is a word, not an operator");
  assert.deepEqual(await seqsOf(t, "rock OR water"), [], "OR is a word that no post holds");
  assert.deepEqual(await seqsOf(t, "sta*"), [], "* is not a prefix operator");
  assert.deepEqual(await seqsOf(t, "star"), [star]);
  assert.deepEqual(await seqsOf(t, "title:stars"), [], "no column filter: title:stars is text");
  assert.deepEqual(await seqsOf(t, '"rock"'), [], "quotes are text that no post holds");
});

Deno.test("GET /board/search requires every word, even past the twentieth", async () => {
  using t = await testApp({ demoData: false });
  const words = Array.from({ length: 20 }, (_, i) => `w${i}`);
  addPosts(t, [["Many words", words.join(" ")]]);
  assert.equal((await seqsOf(t, words.join(" "))).length, 1, "all 20 words present");
  const response = await t.request(
    `/board/search?q=${encodeURIComponent([...words, "absent"].join(" "))}`,
  );
  if (response.status === 400) {
    await response.body?.cancel();
    return;
  }
  assert.equal(response.status, 200);
  assert.deepEqual(
    await response.json(),
    [],
    "a 21st word that no post holds must not be dropped silently",
  );
});

Deno.test("GET /board/search over the search rate limit answers 429 with Retry-After", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_SEARCH: "2/1m" } });
  for (let i = 0; i < 2; i++) await search(t, "welcome");
  const response = await t.request("/board/search?q=welcome");
  assert.equal(response.status, 429);
  const problem = await problemOf(response);
  assert.equal(problem.code, "rate_limited");
  const retryAfter = Number(response.headers.get("retry-after"));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${retryAfter}`);
  const elsewhere = await t.request("/board/search?q=welcome", {}, "198.51.100.9");
  assert.equal(elsewhere.status, 200, "the limit is per client address");
  await elsewhere.body?.cancel();
  const board = await t.request("/board/5");
  assert.equal(board.status, 200, "other board reads are not limited");
  await board.body?.cancel();
});
