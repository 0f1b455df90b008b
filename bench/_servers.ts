/**
 * @module Starting the benchmark's servers: otel-board exactly as the real-process tests run
 * it (`Deno.execPath() run --config deno.json` + the compile task's permission flags), and
 * the bare baseline; graceful stops; first-response timing.
 */

import { lineSplitter } from "../testing/line_splitter.ts";
import { poll } from "../testing/poll.ts";
import { fileURLToPath } from "node:url";
// Only what Deno itself needs passes through, as in the tests: the developer's own PORT,
// DB_PATH or OTEL_* settings cannot leak into a benchmark server.
import { passThroughEnv, serverArgs } from "../testing/server_process.ts";

/** The admin password every benchmark server gets (the template database already has it). */
export const ADMIN_PASSWORD = "bench-admin-password";

const BARE_SERVER = fileURLToPath(new URL("./bare_server.ts", import.meta.url));

/** The command that runs otel-board's main.ts on `port` with `env` (on top of the bench defaults). */
export function otelBoardCommand(
  port: number,
  env: Record<string, string>,
  options: { cwd: string; output?: "piped" | "null" },
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: serverArgs(),
    cwd: options.cwd,
    env: {
      ...passThroughEnv(),
      NO_COLOR: "1",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_API_PUBLIC: "true",
      ADMIN_PASSWORD,
      // LOG_LEVEL and LOG_ACCESS stay at their defaults (info, both): what is measured is what
      // runs, one access record per request included.
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: options.output ?? "piped",
    stderr: options.output ?? "piped",
  });
}

/** The command that runs the bare baseline over `dbPath` on `port`. */
export function bareServerCommand(
  port: number,
  dbPath: string,
  options: { output?: "piped" | "null" } = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-config",
      "--allow-read",
      "--allow-write",
      "--allow-net=127.0.0.1",
      "--allow-env=PORT,DB_PATH",
      BARE_SERVER,
    ],
    env: { ...passThroughEnv(), PORT: String(port), DB_PATH: dbPath },
    clearEnv: true,
    stdin: "null",
    stdout: options.output ?? "piped",
    stderr: options.output ?? "piped",
  });
}

/** How a stopped process ended. */
export interface Stopped {
  readonly code: number;
  readonly signal: Deno.Signal | null;
  /** Everything printed on stdout but the access records. */
  readonly stdout: string;
  /** How many access records were printed on stdout. */
  readonly accessLines: number;
  readonly stderr: string;
}

/** A running server process. */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  /** Sends SIGTERM (SIGKILL after `graceMs`) and resolves with how it ended. */
  stop(graceMs?: number): Promise<Stopped>;
}

/**
 * Spawns `command` (stdout/stderr piped and drained) and waits until `readyPath` answers 200.
 * Of stdout, every line but the access records is kept (a load run writes one per request:
 * hundreds of megabytes over a full benchmark); those are only counted.
 */
export async function startServerProcess(
  command: Deno.Command,
  port: number,
  readyPath: string,
): Promise<ServerProcess> {
  const child = command.spawn();
  let stdout = "";
  let stderr = "";
  let accessLines = 0;
  const drained = Promise.all([
    child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter()).pipeTo(
      new WritableStream({
        write(line) {
          if (line.includes(ACCESS_SCOPE)) accessLines++;
          else stdout += `${line}\n`;
        },
      }),
    ),
    child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (stderr += chunk) }),
    ),
  ]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  let stopping: Promise<Stopped> | undefined;
  const stop = (graceMs = 30_000): Promise<Stopped> => {
    stopping ??= (async () => {
      if (!exited) child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (!exited) child.kill("SIGKILL");
      }, graceMs);
      const ended = await status;
      clearTimeout(timer);
      await drained;
      return { code: ended.code, signal: ended.signal, stdout, accessLines, stderr };
    })();
    return stopping;
  };
  const ready = await waitForOk(`${baseUrl}${readyPath}`, 30_000, () => exited);
  if (!ready) {
    const ended = await stop(1000);
    throw new Error(
      `Server on port ${port} did not answer ${readyPath} (exit ${ended.code}): ${ended.stderr}${ended.stdout}`,
    );
  }
  return { pid: child.pid, port, baseUrl, stop };
}

/**
 * Polls `url` (every millisecond, through {@link poll}) until it answers 200; false after
 * `timeoutMs` or once `gone()` is true.
 */
export async function waitForOk(
  url: string,
  timeoutMs: number,
  gone: () => boolean = () => false,
): Promise<boolean> {
  try {
    const state = await poll(async () => {
      if (gone()) return "gone";
      const response = await fetch(url);
      await response.body?.cancel();
      return response.status === 200 ? "ok" : undefined;
    }, { what: `${url} to answer 200`, timeoutMs, intervalMs: 1 });
    return state === "ok";
  } catch {
    // Timed out.
    return false;
  }
}

/**
 * Milliseconds from spawning `command` to the first 200 answer of `url` (polled every
 * millisecond); the process is then stopped. Throws when no answer comes within 30 s.
 */
export async function timeFirstResponse(command: Deno.Command, url: string): Promise<number> {
  const started = performance.now();
  const child = command.spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const answered = await waitForOk(url, 30_000, () => exited);
  const elapsedMs = performance.now() - started;
  if (!exited) child.kill("SIGTERM");
  const timer = setTimeout(() => {
    if (!exited) child.kill("SIGKILL");
  }, 30_000);
  await status;
  clearTimeout(timer);
  if (!answered) throw new Error(`No answer from ${url} within 30 s of spawning`);
  return elapsedMs;
}

/** What marks an access record's stdout line (JSON or text format): the module that writes it. */
const ACCESS_SCOPE = "http/log_api_middleware.ts";
