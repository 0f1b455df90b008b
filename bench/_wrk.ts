/** @module Runs wrk against one URL and reads its report (counts, req/s, latency distribution). */

/** How wrk loads the server. */
export interface WrkOptions {
  readonly threads: number;
  readonly connections: number;
  readonly durationS: number;
  /** wrk's own per-request timeout, in seconds (default 10). */
  readonly timeoutS?: number;
}

/** What one wrk run reported. */
export interface WrkResult {
  /** Responses wrk received completely ("N requests in …"). */
  readonly requests: number;
  readonly durationS: number;
  readonly requestsPerSecond: number;
  /** Latency percentiles from `--latency`, in milliseconds. */
  readonly p50Ms: number;
  readonly p75Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  /** Highest latency seen (thread stats "Max"), in milliseconds. */
  readonly maxMs: number;
  /** Responses with a status outside 2xx/3xx. */
  readonly non2xx: number;
  readonly socketErrors: { connect: number; read: number; write: number; timeout: number };
  readonly raw: string;
}

/**
 * Runs `wrk -t<threads> -c<connections> -d<duration>s --latency <url>` and parses its report.
 * @throws {Error} when wrk fails or its report cannot be read.
 */
export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    `--timeout`,
    `${options.timeoutS ?? 10}s`,
    "--latency",
    url,
  ];
  const output = await new Deno.Command("wrk", { args, stdout: "piped", stderr: "piped" })
    .output();
  const raw = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `wrk ${args.join(" ")} failed (${output.code}): ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return parseWrkReport(raw);
}

/** Parses wrk 4.x's text report (with `--latency`). */
export function parseWrkReport(raw: string): WrkResult {
  const need = (pattern: RegExp, what: string): RegExpExecArray => {
    const match = pattern.exec(raw);
    if (match === null) throw new Error(`Cannot read ${what} from wrk's report:\n${raw}`);
    return match;
  };
  const total = need(/^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),/m, "the request count");
  const percentile = (p: number) =>
    durationMs(need(new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m"), `p${p}`));
  const latency = need(
    /^\s*Latency\s+[\d.]+(?:us|ms|s|m|h)\s+[\d.]+(?:us|ms|s|m|h)\s+([\d.]+)(us|ms|s|m|h)/m,
    "the latency thread stats",
  );
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(raw);
  return {
    requests: Number(total[1]),
    durationS: durationMs([total[0], total[2]!, total[3]!]) / 1000,
    requestsPerSecond: Number(need(/^Requests\/sec:\s+([\d.]+)/m, "Requests/sec")[1]),
    p50Ms: percentile(50),
    p75Ms: percentile(75),
    p90Ms: percentile(90),
    p99Ms: percentile(99),
    maxMs: durationMs(latency),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    socketErrors: {
      connect: Number(errors?.[1] ?? 0),
      read: Number(errors?.[2] ?? 0),
      write: Number(errors?.[3] ?? 0),
      timeout: Number(errors?.[4] ?? 0),
    },
    raw,
  };
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(match: ArrayLike<string | undefined>): number {
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}
