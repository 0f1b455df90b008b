/**
 * @module The search part of `bench:scale`: `GET /board/search` latency at 10k and 100k Korean
 * posts for a two-character term (the character-pair index) beside a three-character term (the
 * trigram index), each common (5% of posts: the first page fills at once) and rare (0.1%: the
 * index is read to the end).
 */

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { registerSearchFunctions } from "../db/search_functions.ts";
import { freePort } from "../testing/free_port.ts";
import { fixed, markdownTable, print } from "./_report.ts";
import { copyDatabase, seededRandom, type Template } from "./_seed.ts";
import { otelBoardCommand, startServerProcess } from "./_servers.ts";
import { runWrk, type WrkResult } from "./_wrk.ts";

/** The terms measured, each with how often a post holds it. */
const TERMS = [
  { label: "공지 (2, common)", term: "공지", share: 0.05 },
  { label: "게시판 (3, common)", term: "게시판", share: 0.05 },
  { label: "점검 (2, rare)", term: "점검", share: 0.001 },
  { label: "수집기 (3, rare)", term: "수집기", share: 0.001 },
] as const;

/** Filler words: none holds a measured term, so each term's share is exactly as set. */
const NOUNS = ("서버 일정 추적 지표 로그 배포 데이터 한글 사용자 관리자 요청 응답 오류 화면 " +
  "설정 버전 주소 시간 기록 질문 답변 모임 회의 자료 사진 여행 음식 날씨 학교 회사").split(" ");
const PARTICLES = ["에", "은", "는", "이", "가", "을", "를", "의", "에서", "으로", "입니다", "도"];

/** One search query's figures at one size. */
export interface SearchMeasurement {
  readonly label: string;
  readonly term: string;
  readonly matches: number;
  readonly wrk: WrkResult;
}

/** All search figures at one size. */
export interface SearchSizeResult {
  readonly posts: number;
  readonly fillMs: number;
  readonly results: readonly SearchMeasurement[];
}

/** How long each wrk window runs, and how hard it pushes. */
export interface SearchBenchOptions {
  readonly durationS: number;
  readonly threads: number;
  readonly connections: number;
}

/** Adds `count` Korean posts (~190 characters of content each) through the index triggers. */
function fillKoreanPosts(path: string, count: number): number {
  const started = performance.now();
  const db = new DatabaseSync(path);
  try {
    registerSearchFunctions(db);
    // Room for the whole index in memory: each insert adds its pairs all over board_pairs, and
    // with the default 2 MB cache one transaction of 100k posts spills pages for many minutes.
    db.exec("PRAGMA cache_size = -1000000");
    const insert = db.prepare(
      "INSERT INTO board (title, content, create_date, update_date) VALUES (?, ?, ?, ?)",
    );
    const random = seededRandom(11);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const startMs = Date.now() - count * 1000;
    db.exec("BEGIN IMMEDIATE");
    try {
      for (let i = 0; i < count; i++) {
        const words: string[] = [];
        for (const { term, share } of TERMS) {
          if (random() < share) words.push(`${term}${pick(PARTICLES)}`);
        }
        while (words.join(" ").length < 190) words.push(`${pick(NOUNS)}${pick(PARTICLES)}`);
        words.sort(() => random() - 0.5);
        const date = new Date(startMs + i * 1000).toISOString();
        insert.run(`${pick(NOUNS)} 이야기 ${i + 1}`, words.join(" "), date, date);
      }
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
    db.exec("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  return performance.now() - started;
}

/** Copies the template, adds `posts` Korean posts and measures every term's search. */
export async function measureSearchSize(
  options: SearchBenchOptions,
  cwd: string,
  template: Template,
  posts: number,
): Promise<SearchSizeResult> {
  const path = copyDatabase(template, join(cwd, `search-${posts}.db`));
  const fillMs = fillKoreanPosts(path, posts);
  print(`board with ${posts} Korean posts (filled in ${(fillMs / 1000).toFixed(1)} s) …`);
  const port = freePort();
  const server = await startServerProcess(
    otelBoardCommand(port, {
      DB_PATH: path,
      OTEL_SDK_DISABLED: "true",
      RATE_LIMIT_SEARCH: "1000000/1s",
    }, { cwd }),
    port,
    "/healthz",
  );
  const results: SearchMeasurement[] = [];
  try {
    for (const { label, term } of TERMS) {
      const url = `${server.baseUrl}/board/search?q=${encodeURIComponent(term)}&limit=100`;
      const check = await fetch(url);
      const body = await check.json() as unknown[];
      if (check.status !== 200 || body.length === 0) {
        throw new Error(`${url} answered ${check.status} with ${body.length} posts`);
      }
      await runWrk(url, { ...options, durationS: 1 });
      const wrk = await runWrk(url, options);
      results.push({ label, term, matches: body.length, wrk });
      print(
        `  ${label}: ${wrk.requestsPerSecond.toFixed(0)} req/s, p50 ${fixed(wrk.p50Ms, 2)} ms, ` +
          `p99 ${fixed(wrk.p99Ms, 2)} ms`,
      );
    }
  } finally {
    await server.stop();
  }
  return { posts, fillMs, results };
}

/** The report's search section: p50 of the 2- and 3-character terms side by side. */
export function searchReportLines(
  options: SearchBenchOptions,
  sizes: readonly SearchSizeResult[],
): string[] {
  const lines = [
    "### GET /board/search: 2-character (character pairs) and 3-character (trigram) terms",
    "",
    `Korean posts (~190 characters each) added through the index triggers on top of the ` +
    `template; a common term is in 5% of the posts (the first page of 100 fills at once), a ` +
    `rare one in 0.1% (the index is read to its end). Per query a 1 s warm-up, then ` +
    `\`wrk -t${options.threads} -c${options.connections} -d${options.durationS}s\`, ` +
    `limit=100, RATE_LIMIT_SEARCH out of the way.`,
    "",
  ];
  const rows: string[][] = [];
  for (const size of sizes) {
    const by = (label: string) => size.results.find((r) => r.label === label)!;
    for (const kind of ["common", "rare"] as const) {
      const two = by(TERMS.find((t) => t.label.endsWith(`(2, ${kind})`))!.label);
      const three = by(TERMS.find((t) => t.label.endsWith(`(3, ${kind})`))!.label);
      rows.push([
        size.posts.toLocaleString("en-US"),
        kind,
        `${fixed(two.wrk.p50Ms, 2)} / ${fixed(two.wrk.p99Ms, 2)}`,
        `${fixed(three.wrk.p50Ms, 2)} / ${fixed(three.wrk.p99Ms, 2)}`,
        `${fixed(two.wrk.p50Ms / three.wrk.p50Ms, 2)}×`,
        `${fixed(two.wrk.requestsPerSecond, 0)} / ${fixed(three.wrk.requestsPerSecond, 0)}`,
      ]);
    }
  }
  lines.push(
    markdownTable([
      "posts",
      "term",
      "2 chars p50 / p99 ms",
      "3 chars p50 / p99 ms",
      "2 ÷ 3 (p50)",
      "req/s 2 / 3",
    ], rows),
    "",
  );
  return lines;
}
