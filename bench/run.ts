/**
 * @module `deno task bench` (Linux, needs wrk and PostgreSQL): the bare baseline and four
 * otel-board builds (three on SQLite, one on PostgreSQL) side by side on loopback, in interleaved rounds; req/s and its ratio to the bare
 * server of the same round, p50/p99, CPU per request, peak RSS, first response, and two
 * exactness checks (log_api rows, spans at the sink). Writes bench/RESULTS.md.
 *
 * Options: --quick (1 round, 3 s windows, GET /board/10, no file written), --rounds=N,
 * --duration=S, --warmup=S, --routes=board10,board100,log100, --spawns=N, --no-write.
 */

import { freePort } from "../testing/free_port.ts";
import { join } from "node:path";
import { decodeMetrics, decodeTraces } from "../testing/otlp_decode.ts";
import { tempDir } from "../testing/temp_dir.ts";
import { type LogRowsReader, openLogRows } from "./_log_rows.ts";
import { startOtlpSink } from "./_otlp_sink.ts";
import type { OtlpSink } from "./_otlp_sink.ts";
import {
  clockTicksPerSecond,
  cpuTicks,
  describeMachine,
  hasWrk,
  idleMachineLoad,
  peakRssBytes,
} from "./_proc.ts";
import {
  fixed,
  machineLines,
  markdownTable,
  median,
  megabytes,
  print,
  RESULTS_PATH,
  writeResultsSection,
} from "./_report.ts";
import { copyDatabase, createTemplate, type Template } from "./_seed.ts";
import { seedPostgres, settledPostgresSeq } from "./_pg_seed.ts";
import { startPostgres } from "../testing/postgres.ts";
import {
  bareServerCommand,
  otelBoardCommand,
  type ServerProcess,
  startServerProcess,
  type Stopped,
  timeFirstResponse,
} from "./_servers.ts";
import { createSpanTally, type SpanTally } from "./_span_tally.ts";
import { runWrk, type WrkResult } from "./_wrk.ts";

/** One benchmarked route. */
interface Route {
  readonly key: string;
  readonly path: string;
  /** The `call_url` its log_api rows carry. */
  readonly callUrl: string;
}

const ROUTES: readonly Route[] = [
  { key: "board10", path: "/board/10", callUrl: "/board/10" },
  { key: "board100", path: "/board?limit=100", callUrl: "/board" },
  { key: "log100", path: "/log?limit=100", callUrl: "/log" },
];

type VariantKey = "bare" | "off" | "on" | "down" | "pg";

const VARIANTS: readonly { key: VariantKey; label: string }[] = [
  { key: "bare", label: "bare Deno.serve + node:sqlite" },
  { key: "off", label: "otel-board, OTEL_SDK_DISABLED=true" },
  { key: "on", label: "otel-board, traces+metrics+logs → sink" },
  { key: "down", label: "otel-board, all signals, sink down" },
  { key: "pg", label: "otel-board on PostgreSQL, all signals → sink" },
];

/** The variants whose call log this script reads with node:sqlite (all but bare and pg). */
const SQLITE_VARIANTS: readonly VariantKey[] = ["off", "on", "down"];

/** The call log's default flush interval (LOG_API_FLUSH_MS is left at its default). */
const FLUSH_MS = 100;
const THREADS = 2;
const CONNECTIONS = 32;
/** Requests per route sent by the benchmark's own client in the exact-count phase. */
const EXACT_REQUESTS = 2000;

interface Options {
  readonly quick: boolean;
  readonly rounds: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly routes: readonly Route[];
  readonly spawns: number;
  readonly write: boolean;
}

function parseOptions(args: readonly string[]): Options {
  const quick = args.includes("--quick");
  const value = (name: string) =>
    args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const positive = (name: string, fallback: number) => {
    const raw = value(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 3600) {
      throw new Error(`--${name} must be a whole number from 1 to 3600, got "${raw}"`);
    }
    return n;
  };
  const routeKeys = value("routes")?.split(",") ?? (quick ? ["board10"] : ROUTES.map((r) => r.key));
  const routes = routeKeys.map((key) => {
    const route = ROUTES.find((r) => r.key === key);
    if (route === undefined) {
      throw new Error(`Unknown route "${key}"; expected ${ROUTES.map((r) => r.key).join(", ")}`);
    }
    return route;
  });
  return {
    quick,
    rounds: positive("rounds", quick ? 1 : 3),
    durationS: positive("duration", quick ? 3 : 15),
    warmupS: positive("warmup", quick ? 1 : 3),
    routes,
    spawns: positive("spawns", quick ? 3 : 5),
    write: !quick && !args.includes("--no-write"),
  };
}

/** One server under test. */
interface Server {
  readonly variant: VariantKey;
  readonly process: ServerProcess;
  /** The SQLite file (the PostgreSQL URL for pg). */
  readonly dbPath: string;
}

/** The exact-count phase of the PostgreSQL server: requests answered, call-log rows added. */
interface PgExact {
  readonly route: string;
  readonly answered: number;
  readonly rows: number;
}

/** One timed window. */
interface Window {
  readonly round: number;
  readonly route: string;
  readonly variant: VariantKey;
  readonly wrk: WrkResult;
  readonly cpuUsPerRequest: number;
  /** CPU of this process (the sink) per request of the window. */
  readonly sinkCpuUsPerRequest: number;
}

/** Rows the call log gained over one load run, against what the client saw answered. */
interface RowCheck {
  readonly variant: VariantKey;
  readonly what: string;
  /** Responses the client counted. */
  readonly answered: number;
  /** Requests the client may still have had in flight when it stopped (wrk: one per connection). */
  readonly maxInFlight: number;
  readonly rows: number;
  readonly statuses: Map<number, number>;
}

function envFor(variant: Exclude<VariantKey, "bare">, endpoint: string): Record<string, string> {
  if (variant === "off") return { OTEL_SDK_DISABLED: "true" };
  return {
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_METRICS_EXPORTER: "otlp",
    OTEL_LOGS_EXPORTER: "otlp",
    OTEL_METRIC_EXPORT_INTERVAL: "500",
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  };
}

/** `database` is a SQLite file's path, or the PostgreSQL URL for the pg variant. */
function commandFor(
  variant: VariantKey,
  port: number,
  database: string,
  cwd: string,
  endpoint: string,
  output: "piped" | "null",
): Deno.Command {
  if (variant === "bare") return bareServerCommand(port, database, { output });
  const store = variant === "pg" ? { DATABASE_URL: database } : { DB_PATH: database };
  return otelBoardCommand(port, {
    ...store,
    ...envFor(variant === "pg" ? "on" : variant, endpoint),
  }, {
    cwd,
    output,
  });
}

async function main(options: Options): Promise<void> {
  if (Deno.build.os !== "linux") throw new Error("The benchmark reads /proc: it runs on Linux");
  if (!await hasWrk()) {
    throw new Error("wrk is not installed (Debian/Ubuntu: apt-get install -y wrk)");
  }
  const machine = await describeMachine();
  const ticksPerSecond = await clockTicksPerSecond();
  await using dir = await tempDir();
  await using sink = startOtlpSink();
  const downEndpoint = `http://127.0.0.1:${freePort()}`;
  const endpointOf = (variant: VariantKey, id: string) =>
    variant === "down" ? downEndpoint : sink.endpointFor(id);

  print(`Creating the template database in ${dir.path} …`);
  const template = await createTemplate(dir.path, { posts: 300, logRows: 1000 });
  print("Starting PostgreSQL and copying the template into it …");
  await using cluster = await startPostgres();
  if (cluster === undefined) {
    throw new Error("PostgreSQL is not installed (Debian/Ubuntu: apt-get install -y postgresql)");
  }
  const pgUrls = { first: await cluster.freshDatabase(), main: await cluster.freshDatabase() };
  for (const url of Object.values(pgUrls)) await seedPostgres(template, url, dir.path);

  print(`First response after spawn (median of ${options.spawns}) …`);
  const firstResponse = new Map<VariantKey, number[]>();
  for (const { key } of VARIANTS) {
    const times: number[] = [];
    // One discarded spawn first: the module cache and the page cache are then warm for all.
    for (let i = 0; i <= options.spawns; i++) {
      const port = freePort();
      // PostgreSQL: one database for all these spawns (each adds one call-log row).
      const database = key === "pg"
        ? pgUrls.first
        : copyDatabase(template, join(dir.path, `first-${key}-${i}.db`));
      const command = commandFor(
        key,
        port,
        database,
        dir.path,
        endpointOf(key, `first-${i}`),
        "null",
      );
      const ms = await timeFirstResponse(command, `http://127.0.0.1:${port}/board/10`);
      if (i > 0) times.push(ms);
    }
    firstResponse.set(key, times);
    print(`  ${key}: ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
  }

  print("Starting the servers …");
  const servers = new Map<VariantKey, Server>();
  try {
    for (const { key } of VARIANTS) {
      const port = freePort();
      const dbPath = key === "pg"
        ? pgUrls.main
        : copyDatabase(template, join(dir.path, `${key}.db`));
      const process = await startServerProcess(
        commandFor(key, port, dbPath, dir.path, endpointOf(key, key), "piped"),
        port,
        "/healthz",
      );
      servers.set(key, { variant: key, process, dbPath });
    }
    await runAll(options, { machine, ticksPerSecond, template, sink, servers, firstResponse });
  } finally {
    for (const server of servers.values()) await server.process.stop();
  }
}

interface Context {
  readonly machine: Awaited<ReturnType<typeof describeMachine>>;
  readonly ticksPerSecond: number;
  readonly template: Template;
  readonly sink: OtlpSink;
  readonly servers: Map<VariantKey, Server>;
  readonly firstResponse: Map<VariantKey, number[]>;
}

async function runAll(options: Options, context: Context): Promise<void> {
  const { servers, sink, template } = context;
  const server = (variant: VariantKey) => servers.get(variant)!;
  const otelVariants = SQLITE_VARIANTS;
  const readers = new Map<VariantKey, LogRowsReader>(
    otelVariants.map((k) => [k, openLogRows(server(k).dbPath)]),
  );
  const rowChecks: RowCheck[] = [];
  // Rows by call_url, counted after every load run: at these rates a server passes
  // LOG_API_MAX_ROWS and retention prunes the oldest rows before the run ends.
  const urlRows = new Map<VariantKey, Map<string, number>>(
    otelVariants.map((k) => [k, new Map()]),
  );
  const countedUpTo = new Map<VariantKey, number>(otelVariants.map((k) => [k, template.logSeq]));
  const countUrls = (variant: VariantKey, reader: LogRowsReader, upTo: number) => {
    const from = countedUpTo.get(variant)!;
    if (upTo <= from) return;
    const counts = urlRows.get(variant)!;
    for (const [url, n] of reader.urlCounts(from, upTo)) {
      counts.set(url, (counts.get(url) ?? 0) + n);
    }
    countedUpTo.set(variant, upTo);
  };
  const tally = createSpanTally();
  const feedTally = () => {
    for (const body of sink.channel("on").takeTraceBodies()) tally.add(body);
  };
  // What each otel-board server's own client (this script) had answered, beyond wrk.
  const ownRequests = async (variant: VariantKey, what: string, send: () => Promise<number>) => {
    const reader = readers.get(variant)!;
    const before = await reader.settledSeq(FLUSH_MS);
    const answered = await send();
    const after = await reader.settledSeq(FLUSH_MS);
    countUrls(variant, reader, after);
    rowChecks.push({
      variant,
      what,
      answered,
      maxInFlight: 0,
      rows: after - before,
      statuses: reader.statusCounts(before, after),
    });
  };

  print("Checking that the bare server answers what otel-board answers …");
  const shape: string[] = [];
  await ownRequests("off", "shape check", async () => {
    // /log first: otel-board's own rows for these requests must not be in the compared page.
    for (const route of [...ROUTES].reverse()) {
      const [bare, board, onPg] = await Promise.all(
        [server("bare"), server("off"), server("pg")].map((s) =>
          fetch(`${s.process.baseUrl}${route.path}`)
        ),
      );
      const [bareText, boardText, pgText] = await Promise.all([
        bare!.text(),
        board!.text(),
        onPg!.text(),
      ]);
      const sameAs = (other: Response, text: string) =>
        bare!.status === 200 && other.status === 200 && bareText === text &&
        bare!.headers.get("link") === other.headers.get("link");
      shape.push(
        `${route.path}: ${sameAs(board!, boardText) ? "identical" : "DIFFERENT"}, on PostgreSQL ${
          sameAs(onPg!, pgText) ? "identical" : "DIFFERENT"
        } (${boardText.length} bytes of JSON)`,
      );
    }
    return ROUTES.length;
  });
  for (const line of shape) print(`  ${line}`);

  print("Calibrating spans per request at the sink …");
  const perRequest = new Map<string, { rootName: string; spans: number }>();
  await ownRequests("on", "calibration", async () => {
    const traceIds = new Map<string, string>();
    for (const route of ROUTES) {
      const response = await fetch(`${server("on").process.baseUrl}${route.path}`);
      await response.body?.cancel();
      const traceId = response.headers.get("x-trace-id");
      if (response.status !== 200 || traceId === null) {
        throw new Error(
          `Calibration: ${route.path} answered ${response.status} without x-trace-id`,
        );
      }
      traceIds.set(route.key, traceId);
    }
    const bodies: Uint8Array[] = [];
    const deadline = performance.now() + 20_000;
    while (perRequest.size < ROUTES.length && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const taken = sink.channel("on").takeTraceBodies();
      for (const body of taken) tally.add(body);
      bodies.push(...taken);
      const spans = bodies.flatMap((body) => decodeTraces(body));
      for (const route of ROUTES) {
        const mine = spans.filter((s) => s.traceId === traceIds.get(route.key));
        const root = mine.find((s) => s.kind === "SERVER");
        if (root !== undefined) {
          perRequest.set(route.key, { rootName: root.name, spans: mine.length });
        }
      }
    }
    if (perRequest.size < ROUTES.length) {
      throw new Error("Calibration: the sink did not receive the calibration traces within 20 s");
    }
    return ROUTES.length;
  });
  for (const route of ROUTES) {
    const { rootName, spans } = perRequest.get(route.key)!;
    const counted = tally.result().requests.get(rootName);
    print(
      `  ${route.path}: ${spans} spans per request (root "${rootName}"; wire count ${
        counted === undefined ? "missing" : `${counted.spans}/${counted.traces}`
      })`,
    );
  }

  const windows: Window[] = [];
  const idleLoads: number[] = [];
  const wrkOptions = { threads: THREADS, connections: CONNECTIONS };
  for (let round = 0; round < options.rounds; round++) {
    idleLoads.push(await idleMachineLoad(1000));
    for (const [routeIndex, route] of options.routes.entries()) {
      const order = rotate(VARIANTS.map((v) => v.key), round + routeIndex);
      for (const variant of order) {
        const { process } = server(variant);
        const url = `${process.baseUrl}${route.path}`;
        const reader = readers.get(variant);
        const seq0 = await reader?.settledSeq(FLUSH_MS);
        const warm = await runWrk(url, { ...wrkOptions, durationS: options.warmupS });
        const seq1 = await reader?.settledSeq(FLUSH_MS);
        const [cpu0, self0] = await Promise.all([cpuTicks(process.pid), cpuTicks(Deno.pid)]);
        const result = await runWrk(url, { ...wrkOptions, durationS: options.durationS });
        const [cpu1, self1] = await Promise.all([cpuTicks(process.pid), cpuTicks(Deno.pid)]);
        const seq2 = await reader?.settledSeq(FLUSH_MS);
        feedTally();
        if (reader !== undefined) {
          countUrls(variant, reader, seq2!);
          for (
            const [what, run, from, to] of [
              [`round ${round + 1} ${route.path} warm-up`, warm, seq0!, seq1!],
              [`round ${round + 1} ${route.path}`, result, seq1!, seq2!],
            ] as const
          ) {
            rowChecks.push({
              variant,
              what,
              answered: run.requests,
              maxInFlight: CONNECTIONS,
              rows: to - from,
              statuses: reader.statusCounts(from, to),
            });
          }
        }
        const usPerTick = 1e6 / context.ticksPerSecond;
        const requests = Math.max(result.requests, 1);
        windows.push({
          round,
          route: route.key,
          variant,
          wrk: result,
          cpuUsPerRequest: ((cpu1 - cpu0) * usPerTick) / requests,
          sinkCpuUsPerRequest: ((self1 - self0) * usPerTick) / requests,
        });
        print(
          `  round ${round + 1} ${route.path} ${variant.padEnd(4)} ${
            fixed(result.requestsPerSecond, 0).padStart(6)
          } req/s  p50 ${fixed(result.p50Ms, 2)} ms  p99 ${fixed(result.p99Ms, 2)} ms  CPU ${
            fixed(windows.at(-1)!.cpuUsPerRequest, 1)
          } µs/req${result.non2xx > 0 ? `  NON-2xx ${result.non2xx}` : ""}`,
        );
      }
    }
  }

  print("Exact-count phase: this script's own client, every response awaited …");
  for (const variant of otelVariants) {
    for (const route of options.routes) {
      await ownRequests(
        variant,
        `exact ${route.path}`,
        () => sendExactly(`${server(variant).process.baseUrl}${route.path}`, EXACT_REQUESTS),
      );
    }
  }

  // PostgreSQL: the same exact count, its rows read with a PostgreSQL client.
  const pgExact: PgExact[] = [];
  for (const route of options.routes) {
    const url = server("pg").dbPath;
    const before = await settledPostgresSeq(url, FLUSH_MS);
    const answered = await sendExactly(
      `${server("pg").process.baseUrl}${route.path}`,
      EXACT_REQUESTS,
    );
    const rows = await settledPostgresSeq(url, FLUSH_MS) - before;
    pgExact.push({ route: route.path, answered, rows });
  }

  const peakRss = new Map<VariantKey, number>();
  for (const { key } of VARIANTS) peakRss.set(key, await peakRssBytes(server(key).process.pid));
  const lastSeqBeforeStop = new Map(otelVariants.map((k) => [k, readers.get(k)!.lastSeq()]));
  for (const reader of readers.values()) reader[Symbol.dispose]();

  print("Stopping the servers (SIGTERM) …");
  const stopped = new Map<VariantKey, Stopped>();
  for (const { key } of VARIANTS) stopped.set(key, await server(key).process.stop());
  feedTally();

  const finalRows = new Map<VariantKey, { lastSeq: number; byUrl: Map<string, number> }>();
  for (const variant of otelVariants) {
    using reader = openLogRows(server(variant).dbPath);
    countUrls(variant, reader, reader.lastSeq());
    finalRows.set(variant, { lastSeq: reader.lastSeq(), byUrl: urlRows.get(variant)! });
  }

  const report = buildReport(options, context, {
    windows,
    rowChecks,
    tally,
    perRequest,
    peakRss,
    stopped,
    finalRows,
    lastSeqBeforeStop,
    idleLoads,
    shape,
    pgExact,
  });
  print();
  print(report);
  if (options.write) {
    writeResultsSection("main", report);
    await formatMarkdown(RESULTS_PATH);
    print(`\nWrote ${RESULTS_PATH}`);
  }
}

/** Sends `total` GET requests to `url` over 32 concurrent workers; resolves with the 200s. */
async function sendExactly(url: string, total: number): Promise<number> {
  let next = 0;
  let ok = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return ok;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

interface Measurements {
  readonly windows: readonly Window[];
  readonly rowChecks: readonly RowCheck[];
  readonly tally: SpanTally;
  readonly perRequest: Map<string, { rootName: string; spans: number }>;
  readonly peakRss: Map<VariantKey, number>;
  readonly stopped: Map<VariantKey, Stopped>;
  readonly finalRows: Map<VariantKey, { lastSeq: number; byUrl: Map<string, number> }>;
  readonly lastSeqBeforeStop: Map<VariantKey, number>;
  readonly idleLoads: readonly number[];
  readonly shape: readonly string[];
  readonly pgExact: readonly PgExact[];
}

function buildReport(options: Options, context: Context, m: Measurements): string {
  const lines: string[] = [];
  lines.push(`## Side by side${options.quick ? " (quick smoke run)" : ""}`, "");
  lines.push(...machineLines(context.machine, m.idleLoads));
  const idle = median(m.idleLoads);
  // The bare server does the same work every round: its spread between rounds is the noise.
  const bareSpread = Math.max(
    0,
    ...options.routes.map((route) => {
      const rates = m.windows.filter((w) => w.variant === "bare" && w.route === route.key)
        .map((w) => w.wrk.requestsPerSecond);
      return rates.length < 2 ? 0 : Math.max(...rates) / Math.min(...rates) - 1;
    }),
  );
  if (idle > 0.1 || bareSpread > 0.2) {
    lines.push(
      `- **Noisy machine**: other work shares it. ${
        Math.round(idle * 100)
      }% of all cores were busy while the servers sat idle (1 s from /proc/stat before each ` +
        `round), and the bare server's req/s differed by up to ${
          Math.round(bareSpread * 100)
        }% between rounds of the same route. Absolute figures are low and move between rounds; ` +
        "the ratios to the bare server of the same round are the steadier figures.",
    );
  }
  lines.push(
    `- Settings: ${options.rounds} interleaved round(s), order rotated each round and route; per ` +
      `server and route a ${options.warmupS} s warm-up (discarded), then ` +
      `\`wrk -t${THREADS} -c${CONNECTIONS} -d${options.durationS}s --latency\`; medians over ` +
      `rounds; "× bare" is the ratio to the bare server of the same round. CPU is utime+stime ` +
      `of the server process over the window (/proc/<pid>/stat, ${context.ticksPerSecond} ` +
      `ticks/s) divided by the requests answered. Peak RSS is VmHWM at the end of the run. ` +
      `First response: spawn (Deno.execPath(), same flags) to the first 200 of GET /board/10, ` +
      `median of ${options.spawns} (after one discarded spawn).`,
    `- Data: ${context.template.posts} posts (GET /board/10 ≈ 3.5 KB, GET /board?limit=100 ≈ ` +
      `35 KB of JSON), ${context.template.logSeq} log_api rows to start with; each server on its ` +
      `own copy. otel-board runs as the tests run it (\`run --config deno.json\` + the compile ` +
      `task's permission flags) with LOG_API_PUBLIC=true, ADMIN_PASSWORD, and the default ` +
      `LOG_LEVEL (info), LOG_ACCESS (both: one access record per request on stdout and, where ` +
      `logs are exported, over OTLP) and LOG_API_FLUSH_MS; "sink" exports OTLP/HTTP to this script's sink (answers ` +
      `200, counts requests and bytes, decodes nothing while a window runs) with ` +
      `OTEL_METRIC_EXPORT_INTERVAL=500; "sink down" exports to a closed port. "on ` +
      `PostgreSQL" is the "sink" server with DATABASE_URL instead of DB_PATH: a throwaway ` +
      `cluster of the tests (testing/postgres.ts: Debian's PostgreSQL on loopback, ` +
      `fsync=off, the default pool of 10) holding a copy of the same rows; of its call log ` +
      `only the exact-count phase is counted below (its own client, rows read by seq).`,
    `- Same answers: the bare server's JSON and Link header were compared with otel-board's: ${
      m.shape.join("; ")
    }.`,
    "",
  );

  const header = [
    "server",
    "route",
    "req/s",
    "(min–max)",
    "× bare",
    "p50 ms",
    "p99 ms",
    "CPU µs/req",
  ];
  const rows: string[][] = [];
  for (const route of options.routes) {
    for (const { key, label } of VARIANTS) {
      const mine = m.windows.filter((w) => w.variant === key && w.route === route.key);
      const ratios = mine.map((w) => {
        const bare = m.windows.find((b) =>
          b.variant === "bare" && b.route === route.key && b.round === w.round
        );
        return bare === undefined ? NaN : w.wrk.requestsPerSecond / bare.wrk.requestsPerSecond;
      });
      rows.push([
        label,
        `GET ${route.path}`,
        fixed(median(mine.map((w) => w.wrk.requestsPerSecond)), 0),
        mine.length === 0
          ? "–"
          : `${fixed(Math.min(...mine.map((w) => w.wrk.requestsPerSecond)), 0)}–${
            fixed(Math.max(...mine.map((w) => w.wrk.requestsPerSecond)), 0)
          }`,
        fixed(median(ratios), 2),
        fixed(median(mine.map((w) => w.wrk.p50Ms)), 2),
        fixed(median(mine.map((w) => w.wrk.p99Ms)), 2),
        fixed(median(mine.map((w) => w.cpuUsPerRequest)), 1),
      ]);
    }
  }
  lines.push(markdownTable(header, rows), "");

  const serverRows = VARIANTS.map(({ key, label }) => {
    const times = context.firstResponse.get(key) ?? [];
    return [
      label,
      megabytes(m.peakRss.get(key)),
      fixed(median(times), 0),
      times.length === 0 ? "–" : `${fixed(Math.min(...times), 0)}–${fixed(Math.max(...times), 0)}`,
    ];
  });
  lines.push(
    markdownTable(["server", "peak RSS MB", "first response ms", "(min–max)"], serverRows),
    "",
  );

  const perRound = m.windows.filter((w) => w.variant === "on").map((w) => w.sinkCpuUsPerRequest);
  const on = context.sink.channel("on").counts;
  lines.push(
    `Sink: received ${on.traces.requests} trace requests (${megabytes(on.traces.bytes)} MB), ` +
      `${on.metrics.requests} metrics requests (${megabytes(on.metrics.bytes)} MB), ` +
      `${on.logs.requests} log requests (${megabytes(on.logs.bytes)} MB) from the "sink" ` +
      `server; its own CPU (this script) was ${fixed(median(perRound), 1)} µs per request of ` +
      `the "sink" windows (median), on the same 2 cores.`,
    "",
  );
  const anomalies = m.windows.filter((w) =>
    w.wrk.non2xx > 0 || Object.values(w.wrk.socketErrors).some((n) => n > 0)
  );
  for (const w of anomalies) {
    lines.push(
      `- Round ${w.round + 1} ${w.route} ${w.variant}: ${w.wrk.non2xx} non-2xx, socket errors ${
        JSON.stringify(w.wrk.socketErrors)
      }`,
    );
  }
  if (anomalies.length > 0) lines.push("");

  lines.push(...rowsReport(m), "", ...spansReport(options, context, m));
  return lines.join("\n");
}

function rowsReport(m: Measurements): string[] {
  const lines = ["### Exactness 1: one log_api row per request answered", ""];
  lines.push(
    "Rows are counted by `seq` (read with node:sqlite beside the server once its batch is " +
      "written) before and after every load run. wrk counts only the responses it read: when " +
      `it stops, each of its ${CONNECTIONS} connections may have one request in flight that the ` +
      "server still answers and logs, so a wrk run must add between `requests` and " +
      "`requests + " + CONNECTIONS + "` rows. The calibration, shape-check and exact-count " +
      "requests come from this script's own client, which awaits every response: they must " +
      "add exactly one row each.",
    "",
  );
  const header = [
    "server",
    "wrk runs",
    "wrk answered",
    "rows added",
    `extra (in flight at stop, 0–${CONNECTIONS} per run)`,
    "own-client requests",
    "rows added",
    "lost rows",
    "non-200 rows",
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const variant of ["off", "on", "down"] as const) {
    const checks = m.rowChecks.filter((c) => c.variant === variant);
    const wrk = checks.filter((c) => c.maxInFlight > 0);
    const own = checks.filter((c) => c.maxInFlight === 0);
    const extras = wrk.map((c) => c.rows - c.answered);
    const lost = sum(checks.map((c) => Math.max(0, c.answered - c.rows)));
    const off = checks.filter((c) => c.rows < c.answered || c.rows > c.answered + c.maxInFlight);
    const non200 = sum(
      checks.flatMap((c) => [...c.statuses].filter(([s]) => s !== 200).map(([, n]) => n)),
    );
    rows.push([
      variant,
      String(wrk.length),
      String(sum(wrk.map((c) => c.answered))),
      String(sum(wrk.map((c) => c.rows))),
      extras.length === 0
        ? "–"
        : `${sum(extras)} (${Math.min(...extras)}–${Math.max(...extras)} per run)`,
      String(sum(own.map((c) => c.answered))),
      String(sum(own.map((c) => c.rows))),
      String(lost),
      String(non200),
    ]);
    for (const c of off) {
      notes.push(
        `- ${variant} ${c.what}: answered ${c.answered}, rows ${c.rows} (allowed ${c.answered}–${
          c.answered + c.maxInFlight
        })`,
      );
    }
    const atStop = m.finalRows.get(variant)!.lastSeq - m.lastSeqBeforeStop.get(variant)!;
    if (atStop !== 0) notes.push(`- ${variant}: ${atStop} rows were written during the stop`);
    const stats = stoppedStats(m.stopped.get(variant)!);
    if (stats !== undefined) {
      notes.push(
        `- ${variant}: the Stopped line says log_api_rows ${JSON.stringify(stats.logApiRows)}`,
      );
    }
  }
  for (const c of m.pgExact) {
    notes.push(`- pg (PostgreSQL) exact ${c.route}: answered ${c.answered}, rows ${c.rows}`);
  }
  lines.push(markdownTable(header, rows), "", ...notes);
  const ok =
    m.rowChecks.every((c) => c.rows >= c.answered && c.rows <= c.answered + c.maxInFlight) &&
    m.pgExact.every((c) => c.rows === c.answered);
  lines.push(
    `- Verdict: ${
      ok ? "0 rows lost; every own-client request left exactly one row" : "MISMATCH (see above)"
    }.`,
  );
  return lines;
}

function spansReport(options: Options, context: Context, m: Measurements): string[] {
  const lines = ["### Exactness 2: spans at the sink", ""];
  const result = m.tally.result();
  const byUrl = m.finalRows.get("on")!.byUrl;
  const calibration = ROUTES.map((route) => {
    const { rootName, spans } = m.perRequest.get(route.key)!;
    return `${route.path} → ${spans} (${rootName})`;
  });
  lines.push(
    `Spans per request, from one calibration request per route decoded at the sink ` +
      `(testing/otlp_decode.ts decodeTraces): ${calibration.join(", ")}. After the run every ` +
      `trace body the "sink" server sent was walked in the protobuf wire format (no message ` +
      `objects) between windows, each span attributed to its trace's root: a SERVER root is a ` +
      `request; other roots (call-log batch writes, retention) are background. Expected = ` +
      `log_api rows of the route × spans per request.`,
    "",
  );
  const header = [
    "route",
    "log_api rows",
    "request traces received",
    "spans expected",
    "spans received",
    "missing",
  ];
  const rows: string[][] = [];
  let missingTotal = 0;
  for (const route of ROUTES) {
    const { rootName, spans } = m.perRequest.get(route.key)!;
    const requests = byUrl.get(route.callUrl) ?? 0;
    const got = result.requests.get(rootName) ?? { traces: 0, spans: 0 };
    const missing = requests * spans - got.spans;
    missingTotal += missing;
    rows.push([
      `GET ${route.path}`,
      String(requests),
      String(got.traces),
      String(requests * spans),
      String(got.spans),
      String(missing),
    ]);
  }
  lines.push(markdownTable(header, rows), "");
  const metrics = droppedFromMetrics(context.sink.channel("on").lastMetricsBody);
  const stats = stoppedStats(m.stopped.get("on")!);
  const otherUrls = [...byUrl].filter(([url]) => !ROUTES.some((r) => r.callUrl === url));
  lines.push(
    `- Background spans: ${result.backgroundSpans} (roots: ${
      [...result.backgroundRoots].map(([name, n]) => `${name} × ${n}`).join(", ") || "none"
    }); spans whose root never arrived: ${result.unattributedSpans}; bodies walked: ${result.bodies}.`,
    `- Dropped, from the last metrics export of the "sink" server (cumulative, sent at stop): ${
      metrics ?? "no metrics body received"
    }.`,
    `- The Stopped log line: ${
      stats === undefined
        ? "not printed"
        : `telemetry_dropped ${JSON.stringify(stats.telemetryDropped)}`
    }.`,
  );
  if (otherUrls.length > 0) lines.push(`- Rows for other paths: ${JSON.stringify(otherUrls)}.`);
  lines.push(
    `- Verdict: ${
      missingTotal === 0 && result.unattributedSpans === 0
        ? "every request's spans arrived (0 missing)"
        : `${missingTotal} request spans missing, ${result.unattributedSpans} unattributed`
    }.`,
  );
  if (options.routes.length < ROUTES.length) {
    lines.push(`- Only ${options.routes.map((r) => r.path).join(", ")} was loaded in this run.`);
  }
  return lines;
}

function droppedFromMetrics(body: Uint8Array | undefined): string | undefined {
  if (body === undefined) return undefined;
  const points = decodeMetrics(body);
  const pick = (name: string) =>
    points.filter((p) => p.name === name).map((p) =>
      `${p.attributes["signal"] ?? "all"}=${String(p.value ?? p.count ?? 0)}`
    ).join(", ") || "none reported";
  return `app.telemetry.dropped ${pick("app.telemetry.dropped")}; app.log_api.rows.failed ${
    pick("app.log_api.rows.failed")
  }; app.telemetry.export.failures ${pick("app.telemetry.export.failures")}`;
}

function stoppedStats(
  stopped: Stopped,
): { logApiRows: unknown; telemetryDropped: unknown } | undefined {
  for (const line of stopped.stdout.split("\n")) {
    if (!line.includes('"msg":"Stopped"')) continue;
    try {
      const record = JSON.parse(line);
      return { logApiRows: record.log_api_rows, telemetryDropped: record.telemetry_dropped };
    } catch {
      // Not a JSON line.
    }
  }
  return undefined;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

async function formatMarkdown(path: string): Promise<void> {
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", path],
    stdout: "null",
    stderr: "inherit",
  }).output();
}

if (import.meta.main) {
  try {
    await main(parseOptions(Deno.args));
  } catch (error) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(`bench: ${error instanceof Error ? error.stack : error}\n`),
    );
    Deno.exit(1);
  }
}
