/**
 * @module Copying a Flask file's posts and call log into otel-board's database, the same on
 * every engine (through db/flask_import/target.ts, inside the engine's one transaction): every
 * row checked first (nothing written if one is refused), untouched demo posts removed, posts
 * keeping their `seq`, imported calls numbered before otel-board's own.
 */

import { DEMO_POSTS } from "../demo_posts.ts";
import {
  type Converted,
  FlaskRowConverter,
  type ImportedCall,
  type ImportedPost,
} from "./convert.ts";
import type { FlaskSource } from "./flask_source.ts";
import type { ExistingPost, FlaskImportTarget } from "./target.ts";
import type { NaiveTimeReader } from "../../lib/naive_time.ts";
import { clip } from "../../lib/clip.ts";

/** How to import. */
export interface FlaskImportOptions {
  /** Reads the source's naive times (in `--source-timezone`). */
  readonly times: NaiveTimeReader;
  /** The retention settings the service prunes with (0: that limit is off). */
  readonly retentionDays: number;
  readonly maxRows: number;
  /** Import even if the next prune would delete imported rows (`--accept-retention`). */
  readonly acceptRetention: boolean;
  /** Clock for the retention check, injectable for tests. */
  readonly now?: () => number;
}

/** What the next prune would delete of the imported call-log rows, and why. */
export interface RetentionEffect {
  /** Imported rows the next prune deletes (by age, by count, or both). */
  readonly rows: number;
  readonly byAge: number;
  readonly byCount: number;
  /** The smallest LOG_API_RETENTION_DAYS that keeps them all by age. */
  readonly daysNeeded: number;
  /** The smallest LOG_API_MAX_ROWS that keeps them all by count. */
  readonly rowsNeeded: number;
}

/** What an import did (or, in a trial, would do). */
export interface FlaskImportReport {
  readonly posts: number;
  readonly calls: number;
  /** The earliest and latest time among the imported rows (ISO-8601 UTC), if any. */
  readonly first: string | undefined;
  readonly last: string | undefined;
  /** `table.column` → how many values were cut to the column's size. */
  readonly truncated: ReadonlyMap<string, number>;
  readonly demoPostsRemoved: number;
  /** otel-board's own call-log rows moved after the imported ones, and by how much. */
  readonly renumbered: { readonly rows: number; readonly by: number };
  readonly retention: RetentionEffect;
}

/** The import was refused: nothing was written. `problems` lists the first of them. */
export class FlaskImportRefused extends Error {
  override name = "FlaskImportRefused";
  readonly problems: readonly string[];
  readonly total: number;

  constructor(summary: string, problems: readonly string[] = [], total = problems.length) {
    super(summary);
    this.problems = problems;
    this.total = total;
  }
}

/** How many problems a refusal lists (the total is always given). */
const SHOWN_PROBLEMS = 20;
const DAY_MS = 86_400_000;

/** Rows per lookup and per INSERT. */
const CHUNK_ROWS = 1000;

/**
 * Imports `source` through `target` (inside the engine's one transaction), or throws
 * FlaskImportRefused having written nothing the caller's rollback does not undo (a bad value,
 * a clashing `seq`, or retention that would delete imported rows without `acceptRetention`).
 */
export async function importFlaskInto(
  target: FlaskImportTarget,
  source: FlaskSource,
  options: FlaskImportOptions,
): Promise<FlaskImportReport> {
  const converter = new FlaskRowConverter(options.times);
  const check = await checkAll(target, source, converter);
  if (check.problems.length > 0) {
    throw new FlaskImportRefused(
      `${check.total} row(s) or value(s) cannot be imported; nothing was written`,
      check.problems,
      check.total,
    );
  }
  const demoPostsRemoved = await removeUntouchedDemoPosts(target);
  const renumbered = await renumberOwnCalls(target, check.maxCallSeq);
  for (const posts of chunks(source.posts())) {
    await target.insertPosts(posts.map((flask) => converter.post(flask).row!));
  }
  for (const calls of chunks(source.calls())) {
    await target.insertCalls(calls.map((flask) => converter.call(flask).row!));
  }
  const retention = await retentionEffect(target, options);
  if (retention.rows > 0 && !options.acceptRetention) {
    throw new FlaskImportRefused(retentionRefusal(retention, options));
  }
  // Last: PostgreSQL's sequences do not roll back, so only an import that commits moves them.
  await target.advanceCounters();
  return { ...check.report, demoPostsRemoved, renumbered, retention };
}

/** `rows` in arrays of at most CHUNK_ROWS. */
function* chunks<T>(rows: Iterable<T>): Generator<T[]> {
  let chunk: T[] = [];
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length === CHUNK_ROWS) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

interface CheckResult {
  readonly problems: string[];
  readonly total: number;
  readonly maxCallSeq: number;
  readonly report: Pick<FlaskImportReport, "posts" | "calls" | "first" | "last" | "truncated">;
}

/** Every source row converted and checked against the target, nothing written. */
async function checkAll(
  target: FlaskImportTarget,
  source: FlaskSource,
  converter: FlaskRowConverter,
): Promise<CheckResult> {
  const problems: string[] = [];
  let total = 0;
  const problem = (text: string) => {
    if (problems.length < SHOWN_PROBLEMS) problems.push(text);
    total++;
  };
  const truncated = new Map<string, number>();
  let first: string | undefined;
  let last: string | undefined;
  const seen = (time: string | null) => {
    if (time === null) return;
    if (first === undefined || time < first) first = time;
    if (last === undefined || time > last) last = time;
  };
  const take = <T>(converted: Converted<T>): T | undefined => {
    converted.problems.forEach(problem);
    for (const column of converted.truncated) {
      truncated.set(column, (truncated.get(column) ?? 0) + 1);
    }
    return converted.row;
  };

  let posts = 0;
  for (const chunk of chunks(source.posts())) {
    posts += chunk.length;
    const converted: ImportedPost[] = [];
    for (const flask of chunk) {
      const post = take(converter.post(flask));
      if (post === undefined) continue;
      seen(post.create_date);
      seen(post.update_date);
      converted.push(post);
    }
    const existing = new Map(
      (await target.postsAt(converted.map((p) => p.seq))).map((row) => [row.seq, row]),
    );
    for (const post of converted) {
      const clash = existing.get(post.seq);
      if (clash !== undefined && !isUntouchedDemoPost(clash)) problem(postClash(post, clash));
    }
  }

  let calls = 0;
  let maxCallSeq = 0;
  for (const chunk of chunks(source.calls())) {
    calls += chunk.length;
    const converted: ImportedCall[] = [];
    for (const flask of chunk) {
      maxCallSeq = Math.max(maxCallSeq, flask.seq);
      const call = take(converter.call(flask));
      if (call === undefined) continue;
      seen(call.start_time);
      seen(call.end_time);
      converted.push(call);
    }
    const before = new Set(await target.importedCallsAt(converted.map((c) => c.seq)));
    for (const call of converted) {
      if (before.has(call.seq)) {
        problem(`log_api seq ${call.seq} was imported before (is this the same file again?)`);
      }
    }
  }
  return { problems, total, maxCallSeq, report: { posts, calls, first, last, truncated } };
}

function postClash(post: ImportedPost, existing: ExistingPost): string {
  const title = `"${clip(existing.title, 30)}"`;
  return existing.imported === 1
    ? `board seq ${post.seq} was imported before (is this the same file again?)`
    : `board seq ${post.seq} is taken by a post written in otel-board (${title}); ` +
      "delete or move that post, or import into a new DB_PATH";
}

const DEMO_TEXTS = new Set(DEMO_POSTS.map((post) => `${post.title}\n${post.content}`));

/** The rule of db/demo_posts.ts: no author, never edited, not imported, the shipped text. */
function isUntouchedDemoPost(post: ExistingPost): boolean {
  return post.imported === 0 && post.authorId === null && post.unedited &&
    DEMO_TEXTS.has(`${post.title}\n${post.content}`);
}

async function removeUntouchedDemoPosts(target: FlaskImportTarget): Promise<number> {
  const candidates = (await target.unauthoredPosts()).filter(isUntouchedDemoPost);
  await target.removePosts(candidates.map((post) => post.seq));
  return candidates.length;
}

/**
 * Moves the rows otel-board wrote (method known) after every imported `seq`, keeping their
 * order and gaps, so the call log reads (and retention by count deletes) oldest first.
 */
async function renumberOwnCalls(
  target: FlaskImportTarget,
  maxCallSeq: number,
): Promise<{ rows: number; by: number }> {
  const own = await target.ownCalls();
  const ceiling = Math.max(maxCallSeq, own.importedHigh);
  if (own.low === undefined || own.low > ceiling) return { rows: 0, by: 0 };
  const by = ceiling - own.low + 1;
  await target.moveOwnCalls(by);
  return { rows: own.rows, by };
}

/** What the service's next prune (services/log_api_retention.ts) deletes of imported rows. */
async function retentionEffect(
  target: FlaskImportTarget,
  options: FlaskImportOptions,
): Promise<RetentionEffect> {
  const now = (options.now ?? Date.now)();
  const cutoff = options.retentionDays > 0
    ? new Date(now - options.retentionDays * DAY_MS).toISOString()
    : "";
  const counts = await target.retentionCounts(cutoff, options.maxRows);
  const oldestMs = counts.oldestStart === undefined ? now : Date.parse(counts.oldestStart);
  return {
    rows: counts.either,
    byAge: counts.byAge,
    byCount: counts.byCount,
    daysNeeded: Math.max(1, Math.ceil((now - oldestMs) / DAY_MS) + 1),
    rowsNeeded: counts.total,
  };
}

function retentionRefusal(effect: RetentionEffect, options: FlaskImportOptions): string {
  const reasons: string[] = [];
  if (effect.byAge > 0) {
    reasons.push(
      `LOG_API_RETENTION_DAYS=${options.retentionDays} deletes ${effect.byAge} of them by age ` +
        `(keep them with LOG_API_RETENTION_DAYS=0 or at least ${effect.daysNeeded})`,
    );
  }
  if (effect.byCount > 0) {
    reasons.push(
      `LOG_API_MAX_ROWS=${options.maxRows} deletes ${effect.byCount} of them by count ` +
        `(keep them with LOG_API_MAX_ROWS=0 or at least ${effect.rowsNeeded})`,
    );
  }
  return `The service's next prune would delete ${effect.rows} of the imported log_api rows: ` +
    `${reasons.join("; ")}. Set those for the service and for this command, or pass ` +
    "--accept-retention to import anyway; nothing was written";
}
