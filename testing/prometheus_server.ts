/**
 * @module A real Prometheus server (Debian's `prometheus` package) for the deployment tests:
 * the tool check that skips locally and fails in CI, `promtool`, a server on a free loopback
 * port with its storage in a temp dir, instant queries and the options to poll it with.
 */

import { join } from "node:path";
import { freePort } from "./free_port.ts";
import { poll, type PollOptions } from "./poll.ts";
import { toolInstalled } from "./tools.ts";

/** One series of an instant-query answer. */
export interface PromSeries {
  readonly metric: Record<string, string>;
  /** The sample value as Prometheus writes it ("1", "0.25", "NaN", "+Inf"). */
  readonly value: string;
}

/** How a finished command ended, its two outputs joined. */
export interface CommandResult {
  readonly code: number;
  readonly output: string;
}

/** A running Prometheus, stopped (SIGTERM, then SIGKILL) on dispose. */
export interface PrometheusServer extends AsyncDisposable {
  /** The base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Runs an instant query; throws a {@link PrometheusQueryError} when Prometheus refuses it. */
  query(promql: string): Promise<PromSeries[]>;
  /** Stops the server and resolves with its exit code and everything it logged. */
  stop(): Promise<CommandResult>;
}

const decoder = new TextDecoder();

/** Prometheus answered a query with an error (`bad_data` for a query it cannot parse). */
export class PrometheusQueryError extends Error {
  /** Prometheus's `errorType`, e.g. `bad_data`, `timeout`, `execution`. */
  readonly errorType: string;

  constructor(promql: string, errorType: string, detail: string) {
    super(`Prometheus refused ${promql}: ${errorType}: ${detail}`);
    this.name = "PrometheusQueryError";
    this.errorType = errorType;
  }
}

/**
 * Whether `prometheus` and `promtool` can run here, by the "skip locally, fail under CI" rule
 * of {@link toolInstalled} (both come from Debian's `prometheus` package).
 */
export async function prometheusAvailable(): Promise<boolean> {
  const options = { versionArg: "--version", aptPackage: "prometheus" };
  return await toolInstalled("prometheus", options) && await toolInstalled("promtool", options);
}

/** Runs `promtool` with `args`. */
export async function promtool(args: readonly string[]): Promise<CommandResult> {
  const { code, stdout, stderr } = await new Deno.Command("promtool", {
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

/**
 * {@link poll} options for waiting on Prometheus: every 250 ms for 30 s at most. An error counts
 * as "not yet", except a query Prometheus cannot parse, which no amount of waiting fixes.
 */
export const PROMETHEUS_POLL: Omit<PollOptions, "what"> = {
  timeoutMs: 30_000,
  intervalMs: 250,
  fatal: (error) => error instanceof PrometheusQueryError && error.errorType === "bad_data",
};

/**
 * Starts Prometheus with `config` (the YAML text) on a free loopback port, its config file and
 * TSDB under `dir`, and waits (30 s at most) until it reports ready. `options.args` are added
 * to the command line (`--enable-feature=exemplar-storage`, say).
 */
export async function startPrometheus(
  config: string,
  dir: string,
  options: { readonly args?: readonly string[] } = {},
): Promise<PrometheusServer> {
  const configFile = join(dir, "prometheus.yml");
  await Deno.writeTextFile(configFile, config);
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
      ...options.args ?? [],
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let logged = "";
  const collect = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (logged += chunk) }),
    );
  const outputDone = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });

  let result: Promise<CommandResult> | undefined;
  const stop = () => {
    result ??= (async () => {
      const signal = (name: Deno.Signal) => {
        try {
          child.kill(name);
        } catch {
          // Already exited.
        }
      };
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), 10_000);
      const { code } = await status;
      clearTimeout(timer);
      await outputDone;
      return { code, output: logged };
    })();
    return result;
  };

  const query = async (promql: string): Promise<PromSeries[]> => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = await response.json();
    if (body.status !== "success") {
      throw new PrometheusQueryError(promql, body.errorType, body.error);
    }
    const { resultType, result } = body.data;
    if (resultType === "scalar") return [{ metric: {}, value: String(result[1]) }];
    if (resultType !== "vector") throw new Error(`Expected a vector for ${promql}: ${resultType}`);
    return (result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
      metric: r.metric,
      value: r.value[1],
    }));
  };

  try {
    const state = await poll(async () => {
      if (exited) return "exited";
      const response = await fetch(`${url}/-/ready`);
      await response.body?.cancel();
      return response.ok ? "ready" : undefined;
    }, { ...PROMETHEUS_POLL, what: "Prometheus to report ready" });
    if (state === "exited") throw new Error("Prometheus exited before it was ready");
  } catch (error) {
    const { code, output } = await stop();
    throw new Error(`${(error as Error).message} (exit code ${code}):\n${output}`);
  }
  return { url, query, stop, [Symbol.asyncDispose]: async () => void await stop() };
}
