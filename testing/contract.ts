/**
 * @module The engine contract: one scenario run against the in-process app over SQLite and over
 * PostgreSQL, every answer recorded (status, the headers a client reads, body), and the two
 * transcripts compared after replacing what differs by nature (times, tokens, durations).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type PostgresCluster, startPostgres } from "./postgres.ts";
import { type TestApp, testApp, type TestAppOptions } from "./test_app.ts";

/** The headers whose values the contract compares. */
const COMPARED_HEADERS = ["content-type", "link", "location", "retry-after", "allow"];

/** What a scenario gets: apps on this engine's one database, and the transcript. */
export interface ContractRun {
  readonly engine: "sqlite" | "postgres";
  /**
   * An app over this run's database (created on the first call; later calls are more
   * instances on the same database). Disposed when the scenario ends.
   */
  open(options?: Omit<TestAppOptions, "postgresUrl" | "databaseFile">): Promise<TestApp>;
  /** Sends a request through `app` and records its answer under `label`; resolves with it. */
  call(app: TestApp, label: string, path: string, init?: RequestInit): Promise<RecordedAnswer>;
}

/** One answer as recorded (the body parsed when it is JSON). */
export interface RecordedAnswer {
  readonly label: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g;

/**
 * The transcript with what differs between any two runs replaced: every ISO time at or after
 * `since` (the clock's, read during the run) by `<now>` — fixed times such as the demo posts'
 * stay — and `token` and `duration_ms` values by placeholders.
 */
export function normalised(answers: readonly RecordedAnswer[], since: Date): string {
  const text = JSON.stringify(answers, (key, value) => {
    if (key === "token" && typeof value === "string") return "<token>";
    if (key === "duration_ms" && typeof value === "number") return "<duration>";
    return value;
  }, 1);
  const from = since.toISOString();
  return text.replace(ISO_TIME, (time) => time >= from ? "<now>" : time);
}

let cluster: Promise<PostgresCluster | undefined> | undefined;

/** The file's one throwaway cluster, started on first use (undefined: not installed). */
function sharedCluster(): Promise<PostgresCluster | undefined> {
  cluster ??= startPostgres();
  return cluster;
}

/** Stops the shared cluster; call it from the last test of a file (`contractTest(…, true)`). */
async function stopSharedCluster(): Promise<void> {
  const running = await cluster;
  cluster = undefined;
  await running?.[Symbol.asyncDispose]();
}

async function runOn(
  engine: "sqlite" | "postgres",
  scenario: (run: ContractRun) => Promise<void>,
  pg: PostgresCluster | undefined,
): Promise<{ answers: RecordedAnswer[]; since: Date }> {
  const since = new Date();
  const answers: RecordedAnswer[] = [];
  const apps: TestApp[] = [];
  const dir = engine === "sqlite" ? await Deno.makeTempDir({ prefix: "otel-board-contract-" }) : "";
  const url = engine === "postgres" ? await pg!.freshDatabase() : "";
  const run: ContractRun = {
    engine,
    async open(options = {}) {
      const app = await testApp({
        ...options,
        // Demo posts once per database, as server.ts adds them to a created one only.
        demoData: apps.length === 0 ? (options.demoData ?? true) : false,
        ...(engine === "postgres"
          ? { postgresUrl: url }
          : { databaseFile: join(dir, "contract.db") }),
      });
      apps.push(app);
      return app;
    },
    async call(app, label, path, init) {
      const response = await app.request(path, init);
      const headers: Record<string, string> = {};
      for (const name of COMPARED_HEADERS) {
        const value = response.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      const text = await response.text();
      const json = (response.headers.get("content-type") ?? "").includes("json");
      const answer = {
        label,
        status: response.status,
        headers,
        body: json ? JSON.parse(text) : text,
      };
      answers.push(answer);
      return answer;
    },
  };
  try {
    await scenario(run);
  } finally {
    for (const app of apps.reverse()) await app[Symbol.asyncDispose]();
    if (dir !== "") await Deno.remove(dir, { recursive: true });
  }
  return { answers, since };
}

/**
 * A test that runs `scenario` over SQLite and over PostgreSQL and asserts both transcripts are
 * the same answers. Without PostgreSQL it runs the SQLite half only, after the tools.ts rule
 * (skipped locally with a notice, a failure under CI=true). `last` stops the file's cluster.
 */
export function contractTest(
  name: string,
  scenario: (run: ContractRun) => Promise<void>,
  last = false,
): void {
  Deno.test(name, async () => {
    try {
      const sqlite = await runOn("sqlite", scenario, undefined);
      const pg = await sharedCluster();
      if (pg === undefined) return;
      const postgres = await runOn("postgres", scenario, pg);
      assert.equal(
        normalised(postgres.answers, postgres.since),
        normalised(sqlite.answers, sqlite.since),
        "PostgreSQL answers as SQLite does",
      );
    } finally {
      if (last) await stopSharedCluster();
    }
  });
}
