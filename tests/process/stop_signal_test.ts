/**
 * @module A stop signal sent to the whole process group of `deno task start` under load, as
 * Ctrl+C in a terminal and systemd's KillMode=control-group send it: the task runner and the
 * server both get it (and the runner forwards it), yet every stop drains, logs "Stopped",
 * exits 0, and every answered request has its log_api row.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { ROOT } from "../../testing/root.ts";
import { passThroughEnv } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { toolInstalled } from "../../testing/tools.ts";

/** How many stops each signal gets, half of them with telemetry on. */
const RUNS_PER_SIGNAL = 10;
/** Concurrent clients, as `wrk -c16` would open. */
const CLIENTS = 16;

interface RunOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly answered: number;
  /** x-trace-id of every answered request (telemetry on only). */
  readonly traceIds: string[];
  readonly dbPath: string;
}

Deno.test({
  name: "SIGINT and SIGTERM to the process group of `deno task start` under load always drain",
  ignore: Deno.build.os === "windows",
  async fn() {
    if (!await toolInstalled("setsid", { versionArg: "--version", aptPackage: "util-linux" })) {
      return;
    }
    await using dir = await tempDir();
    let run = 0;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      for (let i = 0; i < RUNS_PER_SIGNAL; i++) {
        const telemetry = i % 2 === 0;
        const label = `run ${++run} (${signal}, telemetry ${telemetry ? "on" : "off"})`;
        const outcome = await stopUnderLoad(join(dir.path, `run-${run}.db`), signal, telemetry);
        assert.equal(outcome.code, 0, `${label} exit code; output:\n${outcome.stdout}`);
        assert.match(outcome.stdout, /"msg":"Stopping: draining/, `${label} drained`);
        assert.match(outcome.stdout, /"msg":"Stopped"/, `${label} logged Stopped`);
        assert.doesNotMatch(outcome.stdout, /Second stop signal/, `${label} was not forced`);
        assert.ok(outcome.answered > 0, `${label} answered requests before the stop`);
        const rows = boardRows(outcome.dbPath);
        assert.ok(
          rows.length >= outcome.answered,
          `${label}: ${outcome.answered} answered, ${rows.length} rows`,
        );
        if (telemetry) {
          const logged = new Set(rows.map((row) => row.trace_id));
          const missing = outcome.traceIds.filter((id) => !logged.has(id));
          assert.deepEqual(missing, [], `${label}: answered requests without a row`);
        }
      }
    }
  },
});

/** Starts `deno task start` in its own process group, loads it, signals the group. */
async function stopUnderLoad(
  dbPath: string,
  signal: "SIGINT" | "SIGTERM",
  telemetry: boolean,
): Promise<RunOutcome> {
  const child = new Deno.Command("setsid", {
    args: [Deno.execPath(), "task", "--config", join(ROOT, "deno.json"), "start"],
    env: {
      ...passThroughEnv(),
      NO_COLOR: "1",
      PORT: "0",
      DB_PATH: dbPath,
      ADMIN_PASSWORD: "test-admin-password",
      // Rows wait in memory long enough that only the drain can have written them.
      LOG_API_FLUSH_MS: "5000",
      OTEL_SDK_DISABLED: String(!telemetry),
      OTEL_TRACES_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // setsid runs the task runner as a session leader: its pid is the group's id.
  const groupId = child.pid;
  const output = collect(child.stdout);
  const errors = collect(child.stderr);
  const port = await output.port;
  let stopping = false;
  const traceIds: string[] = [];
  let answered = 0;
  const client = async () => {
    // Bounded: a stop that never ends still ends the loop.
    for (let i = 0; i < 100_000; i++) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/board/5`);
        await response.arrayBuffer();
        if (response.status !== 200) continue;
        answered++;
        const traceId = response.headers.get("x-trace-id");
        if (traceId !== null) traceIds.push(traceId);
      } catch {
        if (stopping) return;
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  await new Promise((resolve) => setTimeout(resolve, 300));
  stopping = true;
  Deno.kill(-groupId, signal);
  const timer = setTimeout(() => {
    try {
      Deno.kill(-groupId, "SIGKILL");
    } catch {
      // Already gone.
    }
  }, 30_000);
  const status = await child.status;
  clearTimeout(timer);
  await Promise.all(clients);
  const stdout = await output.text;
  return {
    code: status.code,
    stdout: stdout + (await errors.text),
    answered,
    traceIds,
    dbPath,
  };
}

/** The stream's text, and the port of its first "Listening on" line. */
function collect(stream: ReadableStream<Uint8Array>): {
  port: Promise<number>;
  text: Promise<string>;
} {
  const { promise: port, resolve: found, reject: notFound } = Promise.withResolvers<number>();
  // Only stdout's port is awaited: stderr's ending without one is no error.
  port.catch(() => {});
  const text = (async () => {
    let all = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      all += chunk;
      const match = /Listening on http:\/\/\S*?:(\d+)/.exec(all);
      if (match) found(Number(match[1]));
    }
    notFound(new Error(`The server exited before listening:\n${all}`));
    return all;
  })();
  return { port, text };
}

/** The log_api rows of GET /board/5 answered 200, read after the server exited. */
function boardRows(path: string): { trace_id: string | null }[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare(
      "SELECT trace_id FROM log_api WHERE call_url = '/board/5' AND status = 200",
    ).all() as { trace_id: string | null }[];
  } finally {
    db.close();
  }
}
