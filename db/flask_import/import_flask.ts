/**
 * @module Copying a Flask file's posts and call log into otel-board's database in one
 * transaction: every row checked first (nothing written if one is refused), untouched demo
 * posts removed, posts keeping their `seq`, imported calls numbered before otel-board's own.
 */

import type { Database } from "../database.ts";
import { DEMO_POSTS } from "../demo_posts.ts";
import {
  type Converted,
  FlaskRowConverter,
  type ImportedCall,
  type ImportedPost,
} from "./convert.ts";
import type { FlaskSource } from "./flask_source.ts";
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

/**
 * Imports `source` into `target` in one transaction, or throws FlaskImportRefused having
 * written nothing (a bad value, a clashing `seq`, or retention that would delete imported
 * rows without `acceptRetention`).
 */
export function importFlask(
  target: Database,
  source: FlaskSource,
  options: FlaskImportOptions,
): FlaskImportReport {
  return target.transaction(() => {
    const converter = new FlaskRowConverter(options.times);
    const check = checkAll(target, source, converter);
    if (check.problems.length > 0) {
      throw new FlaskImportRefused(
        `${check.total} row(s) or value(s) cannot be imported; nothing was written`,
        check.problems,
        check.total,
      );
    }
    const demoPostsRemoved = removeUntouchedDemoPosts(target);
    const renumbered = renumberOwnCalls(target, check.maxCallSeq);
    const insertPost = target.prepare(
      `INSERT INTO board (seq, title, content, create_date, update_date, author_id, imported)
       VALUES (?, ?, ?, ?, ?, NULL, 1)`,
    );
    for (const flask of source.posts()) {
      const p = converter.post(flask).row!;
      insertPost.run(p.seq, p.title, p.content, p.create_date, p.update_date);
    }
    const insertCall = target.prepare(
      `INSERT INTO log_api (seq, user_ip, user_id, start_time, end_time, call_url,
       call_url_parameter) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const flask of source.calls()) {
      const c = converter.call(flask).row!;
      insertCall.run(
        c.seq,
        c.user_ip,
        c.user_id,
        c.start_time,
        c.end_time,
        c.call_url,
        c.call_url_parameter,
      );
    }
    raiseCounter(target, "log_api");
    const retention = retentionEffect(target, options);
    if (retention.rows > 0 && !options.acceptRetention) {
      throw new FlaskImportRefused(retentionRefusal(retention, options));
    }
    return { ...check.report, demoPostsRemoved, renumbered, retention };
  });
}

interface CheckResult {
  readonly problems: string[];
  readonly total: number;
  readonly maxCallSeq: number;
  readonly report: Pick<FlaskImportReport, "posts" | "calls" | "first" | "last" | "truncated">;
}

/** Every source row converted and checked against the target, nothing written. */
function checkAll(
  target: Database,
  source: FlaskSource,
  converter: FlaskRowConverter,
): CheckResult {
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

  const existingPost = target.prepare(
    `SELECT imported, author_id, title, content, create_date = update_date AS unedited
     FROM board WHERE seq = ?`,
  );
  let posts = 0;
  for (const flask of source.posts()) {
    posts++;
    const post = take(converter.post(flask));
    if (post === undefined) continue;
    seen(post.create_date);
    seen(post.update_date);
    const clash = existingPost.get(post.seq);
    if (clash !== undefined && !isUntouchedDemoPost(clash)) problem(postClash(post, clash));
  }

  const importedCall = target.prepare("SELECT 1 FROM log_api WHERE seq = ? AND method IS NULL");
  let calls = 0;
  let maxCallSeq = 0;
  for (const flask of source.calls()) {
    calls++;
    maxCallSeq = Math.max(maxCallSeq, flask.seq);
    const call: ImportedCall | undefined = take(converter.call(flask));
    if (call === undefined) continue;
    seen(call.start_time);
    seen(call.end_time);
    if (importedCall.get(call.seq) !== undefined) {
      problem(`log_api seq ${call.seq} was imported before (is this the same file again?)`);
    }
  }
  return { problems, total, maxCallSeq, report: { posts, calls, first, last, truncated } };
}

function postClash(post: ImportedPost, existing: Record<string, unknown>): string {
  const title = `"${clip(String(existing.title), 30)}"`;
  return existing.imported === 1
    ? `board seq ${post.seq} was imported before (is this the same file again?)`
    : `board seq ${post.seq} is taken by a post written in otel-board (${title}); ` +
      "delete or move that post, or import into a new DB_PATH";
}

const DEMO_TEXTS = new Set(DEMO_POSTS.map((post) => `${post.title}\n${post.content}`));

/** The rule of db/demo_posts.ts: no author, never edited, not imported, the shipped text. */
function isUntouchedDemoPost(row: Record<string, unknown>): boolean {
  return row.imported === 0 && row.author_id === null && row.unedited === 1 &&
    DEMO_TEXTS.has(`${row.title}\n${row.content}`);
}

function removeUntouchedDemoPosts(target: Database): number {
  const candidates = target.prepare(
    `SELECT seq, imported, author_id, title, content, create_date = update_date AS unedited
     FROM board WHERE imported = 0 AND author_id IS NULL`,
  ).all().filter(isUntouchedDemoPost);
  const remove = target.prepare("DELETE FROM board WHERE seq = ?");
  for (const row of candidates) remove.run(row.seq!);
  return candidates.length;
}

/**
 * Moves the rows otel-board wrote (method known) after every imported `seq`, keeping their
 * order and gaps, so the call log reads (and retention by count deletes) oldest first. Through
 * negative numbers, so no two rows ever hold the same `seq` on the way.
 */
function renumberOwnCalls(target: Database, maxCallSeq: number): { rows: number; by: number } {
  const own = target.prepare(
    "SELECT min(seq) AS low, count(*) AS n FROM log_api WHERE method IS NOT NULL",
  ).get();
  const imported = target.prepare("SELECT max(seq) AS high FROM log_api WHERE method IS NULL")
    .get();
  const ceiling = Math.max(maxCallSeq, Number(imported?.high ?? 0));
  const low = own?.low === null || own?.low === undefined ? undefined : Number(own.low);
  if (low === undefined || low > ceiling) return { rows: 0, by: 0 };
  const by = ceiling - low + 1;
  target.prepare("UPDATE log_api SET seq = -seq WHERE method IS NOT NULL").run();
  target.prepare("UPDATE log_api SET seq = ? - seq WHERE seq < 0").run(by);
  raiseCounter(target, "log_api");
  return { rows: Number(own?.n ?? 0), by };
}

/** AUTOINCREMENT's counter at least the highest `seq`, so new rows come after every row. */
function raiseCounter(target: Database, table: "log_api"): void {
  const high = Number(target.prepare(`SELECT max(seq) AS high FROM ${table}`).get()?.high ?? 0);
  if (high === 0) return;
  const counter = target.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").get(table);
  if (counter === undefined) {
    target.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").run(table, high);
  } else if (Number(counter.seq) < high) {
    target.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = ?").run(high, table);
  }
}

/** What the service's next prune (services/log_api_retention.ts) deletes of imported rows. */
function retentionEffect(target: Database, options: FlaskImportOptions): RetentionEffect {
  const now = (options.now ?? Date.now)();
  const count = (where: string, ...params: (string | number)[]) =>
    Number(
      target.prepare(`SELECT count(*) AS n FROM log_api WHERE method IS NULL AND (${where})`)
        .get(...params)?.n ?? 0,
    );
  const cutoff = options.retentionDays > 0
    ? new Date(now - options.retentionDays * DAY_MS).toISOString()
    : "";
  const beyond = options.maxRows > 0
    ? target.prepare("SELECT seq FROM log_api ORDER BY seq DESC LIMIT 1 OFFSET ?")
      .get(options.maxRows)
    : undefined;
  const lastSeq = beyond === undefined ? 0 : Number(beyond.seq);
  const oldest = target.prepare("SELECT min(start_time) AS t FROM log_api WHERE method IS NULL")
    .get()?.t;
  const oldestMs = typeof oldest === "string" ? Date.parse(oldest) : now;
  return {
    rows: count("start_time < ? OR seq <= ?", cutoff, lastSeq),
    byAge: count("start_time < ?", cutoff),
    byCount: count("seq <= ?", lastSeq),
    daysNeeded: Math.max(1, Math.ceil((now - oldestMs) / DAY_MS) + 1),
    rowsNeeded: Number(target.prepare("SELECT count(*) AS n FROM log_api").get()?.n ?? 0),
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
