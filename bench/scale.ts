/**
 * @module `deno task bench:scale` (Linux, needs wrk): `GET /log` latency with log_api
 * pre-filled at 10k, 100k and 1M rows (plain, `status=`, `since=`), the query plans,
 * `GET /board/10` latency while retention prunes ~900k rows, and `GET /board/search` latency
 * at 10k and 100k Korean posts for 2- and 3-character terms. Writes its sections of
 * bench/RESULTS.md (`scale`, `scale-search`).
 *
 * Options: --duration=S (wrk window, default 5), --prune-duration=S (default 20),
 * --sizes=10000,100000,1000000 (log_api rows), --search-sizes=10000,100000 (posts),
 * --only=log or --only=search (one part), --no-write.
 */

import { freePort } from "../testing/free_port.ts";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { tempDir } from "../testing/temp_dir.ts";
import { describeMachine, hasWrk, idleMachineLoad } from "./_proc.ts";
import {
  fixed,
  machineLines,
  markdownTable,
  print,
  RESULTS_PATH,
  writeResultsSection,
} from "./_report.ts";
import { copyDatabase, createTemplate, fillLogApi, type Template } from "./_seed.ts";
import { otelBoardCommand, startServerProcess } from "./_servers.ts";
import { runWrk, type WrkResult } from "./_wrk.ts";
import { measureSearchSize, searchReportLines, type SearchSizeResult } from "./_search_scale.ts";

const THREADS = 2;
const CONNECTIONS = 32;
const DAY_MS = 86_400_000;
/** Rows are spread over this many days, inside the default 30-day retention. */
const SPREAD_DAYS = 28;
const PRUNE_KEEP_ROWS = 100_000;

interface Options {
  readonly durationS: number;
  readonly pruneDurationS: number;
  readonly sizes: readonly number[];
  readonly searchSizes: readonly number[];
  readonly parts: readonly ("log" | "search")[];
  readonly write: boolean;
}

function parseOptions(args: readonly string[]): Options {
  const value = (name: string) =>
    args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const whole = (raw: string | undefined, name: string, fallback: number, max: number) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new Error(`--${name} must be a whole number from 1 to ${max}, got "${raw}"`);
    }
    return n;
  };
  const sizes = (value("sizes") ?? "10000,100000,1000000").split(",")
    .map((raw) => whole(raw, "sizes", 0, 10_000_000));
  const searchSizes = (value("search-sizes") ?? "10000,100000").split(",")
    .map((raw) => whole(raw, "search-sizes", 0, 10_000_000));
  const only = value("only");
  if (only !== undefined && only !== "log" && only !== "search") {
    throw new Error(`--only must be log or search, got "${only}"`);
  }
  return {
    searchSizes,
    parts: only === undefined ? ["log", "search"] : [only],
    durationS: whole(value("duration"), "duration", 5, 600),
    pruneDurationS: whole(value("prune-duration"), "prune-duration", 20, 600),
    sizes,
    write: !args.includes("--no-write"),
  };
}

/** One `GET /log` query measured at each size. */
interface LogQuery {
  readonly label: string;
  readonly query: (now: number) => string;
  /** The WHERE clause selectLogApiRows builds for it, and its bound values. */
  readonly where: string;
  readonly params: (now: number) => (string | number)[];
}

const sinceIso = (now: number) => new Date(now - DAY_MS).toISOString();

const QUERIES: readonly LogQuery[] = [
  { label: "limit=100", query: () => "limit=100", where: "", params: () => [] },
  {
    label: "limit=100&status=500",
    query: () => "limit=100&status=500",
    where: " WHERE status = ?",
    params: () => [500],
  },
  {
    label: "limit=100&since=<1 day ago>",
    query: (now) => `limit=100&since=${sinceIso(now)}`,
    where: " WHERE start_time >= ?",
    params: (now) => [sinceIso(now)],
  },
];

interface SizeResult {
  readonly rows: number;
  readonly fillMs: number;
  readonly results: { query: LogQuery; wrk: WrkResult }[];
  readonly plans: { query: LogQuery; plan: string }[];
}

async function main(options: Options): Promise<void> {
  if (Deno.build.os !== "linux") throw new Error("The benchmark reads /proc: it runs on Linux");
  if (!await hasWrk()) {
    throw new Error("wrk is not installed (Debian/Ubuntu: apt-get install -y wrk)");
  }
  const machine = await describeMachine();
  await using dir = await tempDir();
  print(`Creating the template database in ${dir.path} …`);
  const template = await createTemplate(dir.path, { posts: 300, logRows: 0 });
  const idleLoads = [await idleMachineLoad(1000)];

  const sizes: SizeResult[] = [];
  for (const rows of options.parts.includes("log") ? options.sizes : []) {
    const { path, fillMs } = filledCopy(template, join(dir.path, `log-${rows}.db`), rows);
    print(`log_api with ${rows} rows (filled in ${(fillMs / 1000).toFixed(1)} s) …`);
    sizes.push(await measureSize(options, dir.path, path, rows, fillMs));
  }

  let prune: PruneResult | undefined;
  const pruneSource = options.sizes.includes(1_000_000)
    ? join(dir.path, "log-1000000.db")
    : undefined;
  if (!options.parts.includes("log")) {
    print("Skipping the log_api measurements (--only=search)");
  } else if (pruneSource !== undefined) {
    print(`GET /board/10 while retention prunes to ${PRUNE_KEEP_ROWS} rows …`);
    prune = await measurePrune(options, dir.path, pruneSource);
  } else {
    print("Skipping the prune measurement: it needs the 1000000-row size");
  }
  const search: SearchSizeResult[] = [];
  const searchOptions = {
    threads: THREADS,
    connections: CONNECTIONS,
    durationS: options.durationS,
  };
  for (const posts of options.parts.includes("search") ? options.searchSizes : []) {
    search.push(await measureSearchSize(searchOptions, dir.path, template, posts));
  }
  idleLoads.push(await idleMachineLoad(1000));

  // Each part has its own section, so running one part keeps the other's figures.
  const reports = new Map<string, string>();
  if (options.parts.includes("log")) {
    reports.set("scale", buildReport(options, machine, idleLoads, sizes, prune));
  }
  if (search.length > 0) {
    reports.set(
      "scale-search",
      [
        "## Scale: search at 10k and 100k Korean posts",
        "",
        ...machineLines(machine, idleLoads),
        "",
        ...searchReportLines(searchOptions, search),
      ].join("\n"),
    );
  }
  for (const report of reports.values()) {
    print();
    print(report);
  }
  if (options.write) {
    for (const [name, report] of reports) writeResultsSection(name, report);
    await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", RESULTS_PATH],
      stdout: "null",
    }).output();
    print(`\nWrote ${RESULTS_PATH}`);
  }
}

/** Copies the template and fills log_api with `rows` rows over the last SPREAD_DAYS days. */
function filledCopy(
  template: Template,
  path: string,
  rows: number,
): { path: string; fillMs: number } {
  copyDatabase(template, path);
  const started = performance.now();
  const db = new DatabaseSync(path);
  try {
    fillLogApi(db, rows, { endMs: Date.now(), spreadMs: SPREAD_DAYS * DAY_MS });
    db.exec("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  return { path, fillMs: performance.now() - started };
}

async function measureSize(
  options: Options,
  cwd: string,
  dbPath: string,
  rows: number,
  fillMs: number,
): Promise<SizeResult> {
  const now = Date.now();
  const plans = QUERIES.map((query) => ({ query, plan: queryPlan(dbPath, query, now) }));
  const port = freePort();
  // Retention off: the rows under test must stay while the windows run.
  const server = await startServerProcess(
    otelBoardCommand(port, {
      DB_PATH: dbPath,
      OTEL_SDK_DISABLED: "true",
      LOG_API_MAX_ROWS: "0",
      LOG_API_RETENTION_DAYS: "0",
    }, { cwd }),
    port,
    "/healthz",
  );
  const results: { query: LogQuery; wrk: WrkResult }[] = [];
  try {
    for (const query of QUERIES) {
      const url = `${server.baseUrl}/log?${query.query(now)}`;
      const check = await fetch(url);
      const body = await check.json() as unknown[];
      if (check.status !== 200 || body.length === 0) {
        throw new Error(`${url} answered ${check.status} with ${body.length} rows`);
      }
      await runWrk(url, { threads: THREADS, connections: CONNECTIONS, durationS: 1 });
      const wrk = await runWrk(url, {
        threads: THREADS,
        connections: CONNECTIONS,
        durationS: options.durationS,
      });
      results.push({ query, wrk });
      print(
        `  ${query.label}: ${wrk.requestsPerSecond.toFixed(0)} req/s, p50 ${
          fixed(wrk.p50Ms, 2)
        } ms, p99 ${fixed(wrk.p99Ms, 2)} ms`,
      );
    }
  } finally {
    await server.stop();
  }
  return { rows, fillMs, results, plans };
}

/** EXPLAIN QUERY PLAN of the statement selectLogApiRows runs for `query`. */
function queryPlan(dbPath: string, query: LogQuery, now: number): string {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const sql = `SELECT * FROM log_api${query.where}
    ORDER BY start_time DESC, seq DESC LIMIT ?`;
    return db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...query.params(now), 101)
      .map((row) => String(row.detail)).join("; ");
  } finally {
    db.close();
  }
}

interface PruneResult {
  readonly rowsBefore: number;
  readonly rowsAfter: number;
  readonly during: WrkResult;
  readonly after: WrkResult;
  /** Seconds after spawn: the window, and when the big prune logged that it finished. */
  readonly windowStartS: number;
  readonly windowEndS: number;
  readonly prunedAtS: number | undefined;
  readonly prunedRows: number | undefined;
}

async function measurePrune(
  options: Options,
  cwd: string,
  source: string,
): Promise<PruneResult> {
  const dbPath = join(cwd, "prune.db");
  Deno.copyFileSync(source, dbPath);
  const rowsBefore = countRows(dbPath);
  const port = freePort();
  const spawnedAt = Date.now();
  // LOG_LEVEL=info: the "Pruned log_api" line tells when the big prune finished. Retention
  // runs 1 s after start, then every 5 s.
  const server = await startServerProcess(
    otelBoardCommand(port, {
      DB_PATH: dbPath,
      OTEL_SDK_DISABLED: "true",
      LOG_LEVEL: "info",
      LOG_API_MAX_ROWS: String(PRUNE_KEEP_ROWS),
      LOG_API_PRUNE_INTERVAL_MS: "5000",
    }, { cwd }),
    port,
    "/healthz",
  );
  const url = `${server.baseUrl}/board/10`;
  const windowStartS = (Date.now() - spawnedAt) / 1000;
  let during: WrkResult;
  let after: WrkResult;
  let stdout = "";
  try {
    const window = async (label: string) => {
      const result = await runWrk(url, {
        threads: THREADS,
        connections: CONNECTIONS,
        durationS: options.pruneDurationS,
      });
      print(
        `  ${label} p50 ${fixed(result.p50Ms, 2)} ms, p99 ${fixed(result.p99Ms, 2)} ms, max ${
          fixed(result.maxMs, 1)
        } ms`,
      );
      return result;
    };
    during = await window("during:");
    after = await window("after: ");
  } finally {
    stdout = (await server.stop()).stdout;
  }
  const windowEndS = windowStartS + during.durationS;
  const pruned = stdout.split("\n").filter((line) => line.includes('"msg":"Pruned log_api"'))
    .map((line) => JSON.parse(line) as { time: string; rows: number })
    .sort((a, b) => b.rows - a.rows)[0];
  return {
    rowsBefore,
    rowsAfter: countRows(dbPath),
    during,
    after,
    windowStartS,
    windowEndS,
    prunedAtS: pruned === undefined ? undefined : (Date.parse(pruned.time) - spawnedAt) / 1000,
    prunedRows: pruned?.rows,
  };
}

function countRows(dbPath: string): number {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return Number(db.prepare("SELECT count(*) AS n FROM log_api").get()?.n);
  } finally {
    db.close();
  }
}

function buildReport(
  options: Options,
  machine: Awaited<ReturnType<typeof describeMachine>>,
  idleLoads: readonly number[],
  sizes: readonly SizeResult[],
  prune: PruneResult | undefined,
): string {
  const lines = ["## Scale: the call log at 10k, 100k and 1M rows", ""];
  lines.push(
    ...machineLines(machine, idleLoads),
    `- Settings: otel-board with OTEL_SDK_DISABLED=true (this measures the queries, not the ` +
      `telemetry), started as the tests start it; log_api pre-filled with node:sqlite in one ` +
      `transaction, start times spread over ${SPREAD_DAYS} days, a few call_url, status ` +
      `(~1% 500), user_id and client values; retention off while measuring. Per query a 1 s ` +
      `warm-up, then \`wrk -t${THREADS} -c${CONNECTIONS} -d${options.durationS}s --latency\`. ` +
      `Every request adds a row, so the table grows a little during each window.`,
    "",
  );
  const rows = sizes.flatMap((size) =>
    size.results.map(({ query, wrk }) => [
      size.rows.toLocaleString("en-US"),
      `GET /log?${query.label}`,
      fixed(wrk.requestsPerSecond, 0),
      fixed(wrk.p50Ms, 2),
      fixed(wrk.p99Ms, 2),
      fixed(wrk.maxMs, 1),
    ])
  );
  lines.push(
    markdownTable(["log_api rows", "query", "req/s", "p50 ms", "p99 ms", "max ms"], rows),
    "",
  );
  const biggest = sizes.at(-1);
  if (biggest !== undefined) {
    lines.push(
      `Query plans (EXPLAIN QUERY PLAN at ${biggest.rows.toLocaleString("en-US")} rows):`,
      "",
    );
    for (const { query, plan } of biggest.plans) lines.push(`- \`${query.label}\`: ${plan}`);
    lines.push("");
  }
  if (prune !== undefined) {
    lines.push(
      `### GET /board/10 while retention prunes ${prune.rowsBefore.toLocaleString("en-US")} → ` +
        `${PRUNE_KEEP_ROWS.toLocaleString("en-US")} rows`,
      "",
      `LOG_API_MAX_ROWS=${PRUNE_KEEP_ROWS}, LOG_API_PRUNE_INTERVAL_MS=5000 (first prune 1 s ` +
        `after start, in chunks of 2,000 rows with a yield between chunks). The first window ` +
        `ran ${fixed(prune.windowStartS, 1)}–${fixed(prune.windowEndS, 1)} s after spawn; the ` +
        `big prune (${prune.prunedRows?.toLocaleString("en-US") ?? "?"} rows) logged its end ` +
        `${prune.prunedAtS === undefined ? "— not seen" : `at ${fixed(prune.prunedAtS, 1)} s`}${
          prune.prunedAtS !== undefined && prune.prunedAtS > prune.windowEndS
            ? " (after the window: the window saw only part of it)"
            : ""
        }. The second window is the same server afterwards (small prunes every 5 s). ` +
        `${prune.rowsAfter.toLocaleString("en-US")} rows remained.`,
      "",
      markdownTable(["window", "req/s", "p50 ms", "p99 ms", "max ms"], [
        ["during the prune", ...latencyCells(prune.during)],
        ["after it", ...latencyCells(prune.after)],
      ]),
    );
  }
  return lines.join("\n");
}

function latencyCells(wrk: WrkResult): string[] {
  return [
    fixed(wrk.requestsPerSecond, 0),
    fixed(wrk.p50Ms, 2),
    fixed(wrk.p99Ms, 2),
    fixed(wrk.maxMs, 1),
  ];
}

if (import.meta.main) {
  try {
    await main(parseOptions(Deno.args));
  } catch (error) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(`bench:scale: ${error instanceof Error ? error.stack : error}\n`),
    );
    Deno.exit(1);
  }
}
