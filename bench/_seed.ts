/**
 * @module Benchmark databases: a template made by otel-board itself (schema, admin) and then
 * filled with posts and call-log rows through node:sqlite; copies for each server.
 */

import { freePort } from "../testing/free_port.ts";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { registerSearchFunctions } from "../db/search_functions.ts";
import { otelBoardCommand, startServerProcess } from "./_servers.ts";

/** What the template database holds. */
export interface Template {
  readonly path: string;
  readonly posts: number;
  /** Highest `log_api.seq` in the template (rows above it were written by a benchmark). */
  readonly logSeq: number;
}

/**
 * Lets otel-board create an empty database with its schema and admin (so no server spends
 * start-up hashing a password), then adds `posts` posts and `logRows` call-log rows.
 */
export async function createTemplate(
  dir: string,
  options: { posts: number; logRows: number },
): Promise<Template> {
  const path = join(dir, "template.db");
  const port = freePort();
  const server = await startServerProcess(
    otelBoardCommand(port, { DB_PATH: path, DEMO_DATA: "false", OTEL_SDK_DISABLED: "true" }, {
      cwd: dir,
    }),
    port,
    "/healthz",
  );
  const stopped = await server.stop();
  if (stopped.code !== 0) {
    throw new Error(
      `otel-board could not create the template (${stopped.code}): ${stopped.stderr}`,
    );
  }
  const db = new DatabaseSync(path);
  try {
    registerSearchFunctions(db);
    const admin = db.prepare("SELECT id FROM users WHERE username = 'admin'").get();
    if (admin === undefined) throw new Error("The template has no admin user");
    insertPosts(db, options.posts, Number(admin.id));
    fillLogApi(db, options.logRows, { endMs: Date.now(), spreadMs: 86_400_000 });
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const logSeq = Number(db.prepare("SELECT coalesce(max(seq), 0) AS n FROM log_api").get()?.n);
    return { path, posts: options.posts, logSeq };
  } finally {
    db.close();
  }
}

/** Copies the template to `to` (the main file only: the template was checkpointed). */
export function copyDatabase(template: Template, to: string): string {
  Deno.copyFileSync(template.path, to);
  return to;
}

const WORDS = ("otel board trace span metric log sqlite deno hono batch queue export " +
  "collector latency throughput window round index page cursor retention prune").split(" ");

/** Inserts `count` posts (a third by `authorId`), ~330 bytes of JSON each, a minute apart. */
function insertPosts(db: DatabaseSync, count: number, authorId: number): void {
  const insert = db.prepare(
    "INSERT INTO board (title, content, create_date, update_date, author_id) VALUES (?, ?, ?, ?, ?)",
  );
  const random = seededRandom(7);
  const start = Date.now() - count * 60_000;
  db.exec("BEGIN IMMEDIATE");
  try {
    for (let i = 0; i < count; i++) {
      const words: string[] = [];
      while (words.join(" ").length < 190) {
        words.push(WORDS[Math.floor(random() * WORDS.length)]!);
      }
      const date = new Date(start + i * 60_000).toISOString();
      insert.run(
        `Post ${i + 1} about ${WORDS[i % WORDS.length]}`,
        `${words.join(" ")}.`,
        date,
        date,
        i % 3 === 0 ? authorId : null,
      );
    }
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

const URLS = ["/board/10", "/board/10", "/board/10", "/board", "/board", "/log", "/board/posts/7"];
const PARAMETERS: Record<string, string | null> = {
  "/board/10": null,
  "/board": "limit=100",
  "/log": "limit=100",
  "/board/posts/7": null,
};
const USERS = [null, null, null, null, null, null, "alice", "bob", "admin"];
const IPS = ["127.0.0.1", "203.0.113.7", "198.51.100.23", "192.0.2.44"];

/**
 * Inserts `rows` call-log rows in one transaction, their start times spread evenly (with
 * jitter) over the `spreadMs` before `endMs`, oldest first; mostly 200s with some 404s, 400s,
 * 401s and ~1% 500s, a few users and client addresses.
 */
export function fillLogApi(
  db: DatabaseSync,
  rows: number,
  options: { endMs: number; spreadMs: number; seed?: number },
): void {
  const insert = db.prepare(`INSERT INTO log_api (user_ip, user_id, start_time, end_time, call_url,
    call_url_parameter, method, status, duration_ms, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const random = seededRandom(options.seed ?? 42);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const step = options.spreadMs / Math.max(rows, 1);
  const startMs = options.endMs - options.spreadMs;
  db.exec("BEGIN IMMEDIATE");
  try {
    for (let i = 0; i < rows; i++) {
      const start = Math.floor(startMs + i * step + random() * step);
      const duration = Math.round((0.3 + random() * random() * 20) * 1000) / 1000;
      const url = pick(URLS);
      const roll = random();
      const status = roll < 0.01
        ? 500
        : roll < 0.04
        ? 404
        : roll < 0.06
        ? 400
        : roll < 0.07
        ? 401
        : 200;
      insert.run(
        pick(IPS),
        pick(USERS),
        new Date(start).toISOString(),
        new Date(start + Math.ceil(duration)).toISOString(),
        url,
        PARAMETERS[url] ?? null,
        "GET",
        status,
        duration,
        random() < 0.8 ? hex32(random) : null,
      );
    }
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

function hex32(random: () => number): string {
  let out = "";
  for (let i = 0; i < 4; i++) {
    out += Math.floor(random() * 0x1_0000_0000).toString(16).padStart(8, "0");
  }
  return out;
}

/** A small deterministic PRNG (mulberry32), so every run fills the same rows. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
