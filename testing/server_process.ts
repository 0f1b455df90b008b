/**
 * @module main.ts as a real process for tests and benchmarks: the compile task's permission
 * flags, a server on an ephemeral port, a run to completion, and the environment passed through.
 */

import { lineSplitter } from "./line_splitter.ts";
import { join } from "node:path";
import { ROOT } from "./root.ts";

/**
 * The permission flags the compile task bakes into the binary, read from deno.json so the
 * real-process tests run the server with exactly those and nothing else.
 */
export function compilePermissionFlags(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  const task: string = config.tasks.compile;
  return task.split(/\s+/).filter((arg) =>
    /^(-P|--permission-set|--allow-|--deny-|--no-prompt)/.test(arg)
  );
}

/** A running server process with its output captured. */
export interface ServerProcess extends AsyncDisposable {
  readonly baseUrl: string;
  readonly port: number;
  readonly pid: number;
  /** Sends `signal` and resolves with the exit code and everything printed. */
  stop(signal?: Deno.Signal): Promise<ProcessResult>;
}

/** How a finished process ended. */
export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs main.ts with the compile task's permission flags and `env`; resolves when it exits. */
export async function runMain(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<ProcessResult> {
  const output = await serverCommand(args, env, cwd).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Starts main.ts on an ephemeral port and waits for its "Listening" line. */
export async function startServer(
  env: Record<string, string>,
  cwd: string,
  args: readonly string[] = [],
): Promise<ServerProcess> {
  const child = serverCommand(args, { PORT: "0", ...env }, cwd).spawn();
  const stdout: string[] = [];
  let stderr = "";
  const stderrDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stderr += chunk) }),
  );
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter());
  const reader = lines.getReader();
  let port = 0;
  while (port === 0) {
    const { done, value } = await reader.read();
    if (done) {
      await stderrDone;
      const status = await child.status;
      throw new Error(`Server exited (${status.code}) before listening: ${stderr}`);
    }
    stdout.push(value);
    // The JSON line ("msg":"Listening on …") or the LOG_FORMAT=text one (- Listening on …).
    const match = /Listening on http:\/\/\S*?:(\d+)/.exec(value);
    if (match) port = Number(match[1]);
  }
  const stdoutDone = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      stdout.push(value);
    }
  })();
  let result: Promise<ProcessResult> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") => {
    result ??= (async () => {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
      const status = await child.status;
      await Promise.all([stdoutDone, stderrDone]);
      return { code: status.code, stdout: stdout.join("\n"), stderr };
    })();
    return result;
  };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    stop,
    [Symbol.asyncDispose]: async () => void await stop("SIGKILL"),
  };
}

/** `deno` arguments that run main.ts as the compiled binary would (its permissions), then `args`. */
export function serverArgs(args: readonly string[] = []): string[] {
  return [
    "run",
    "--config",
    join(ROOT, "deno.json"),
    ...compilePermissionFlags(),
    join(ROOT, "main.ts"),
    ...args,
  ];
}

function serverCommand(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: serverArgs(args),
    cwd,
    // Only what Deno itself needs passes through, so the developer's own PORT, DB_PATH or
    // OTEL_* settings cannot leak into a test.
    // No exporter unless a test asks: a collector that happens to run on :4318 stays out.
    env: {
      ...passThroughEnv(),
      NO_COLOR: "1",
      LOG_API_FLUSH_MS: "20",
      OTEL_TRACES_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      // A known admin password keeps the one-time generated-password notice off stdout, and
      // GET /log stays open as in the original app unless a test closes it.
      ADMIN_PASSWORD: "test-admin-password",
      LOG_API_PUBLIC: "true",
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

const PASS_THROUGH = [
  "PATH",
  "HOME",
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "TMPDIR",
  "SYSTEMROOT",
  "USERPROFILE",
];

/** The environment variables Deno itself needs, and nothing else (no PORT, DB_PATH, OTEL_*). */
export function passThroughEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASS_THROUGH) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}
