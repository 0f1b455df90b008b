/**
 * @module log_api retention: prunes rows by age and by count in small background chunks,
 * then refreshes planner statistics.
 */

import type { LogApiRepository } from "../db/store.ts";
import type { Logger } from "../telemetry/log.ts";
import { type SpanHelpers, spanHelpers } from "../telemetry/traced.ts";

/** How much of the log to keep and how often to prune. */
export interface LogApiRetentionOptions {
  /** Rows older than this many days go (0: no age limit). */
  readonly maxAgeDays: number;
  /** At most this many rows stay, newest first (0: no row limit). */
  readonly maxRows: number;
  readonly intervalMs: number;
  /** Rows deleted per transaction; the event loop runs between chunks. */
  readonly chunkRows?: number;
  readonly logger: Logger;
  /** Puts each prune in one `log_api.prune` span (its DELETEs are its children). */
  readonly spans?: SpanHelpers;
  /** Clock, injectable for tests. */
  readonly now?: () => number;
}

/** A running retention schedule. */
export interface LogApiRetention {
  /** Prunes now, chunk by chunk, yielding between chunks; resolves with rows deleted. */
  pruneNow(): Promise<number>;
  /** Stops the schedule; an ongoing prune stops after its current chunk, which this awaits. */
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** Starts pruning the call log every `intervalMs` (and once shortly after start). */
export function startLogApiRetention(
  logApi: LogApiRepository,
  options: LogApiRetentionOptions,
): LogApiRetention {
  const logger = options.logger.scoped(import.meta.url);
  const chunk = options.chunkRows ?? 2_000;
  const now = options.now ?? Date.now;
  let stopped = false;
  let running: Promise<number> | undefined;

  async function prune(): Promise<number> {
    let deleted = 0;
    const steps: (() => Promise<number>)[] = [];
    if (options.maxAgeDays > 0) {
      const cutoff = new Date(now() - options.maxAgeDays * DAY_MS).toISOString();
      steps.push(() => logApi.deleteOlderThan(cutoff, chunk));
    }
    if (options.maxRows > 0) {
      // Fixed once per prune: rows written meanwhile are newer and never cross it.
      const lastSeq = await logApi.seqBeyond(options.maxRows);
      if (lastSeq !== undefined) steps.push(() => logApi.deleteUpTo(lastSeq, chunk));
    }
    for (const step of steps) {
      while (!stopped) {
        const n = await step();
        deleted += n;
        if (n < chunk) break;
        // Yield so requests are served between chunks.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    if (deleted > 0) logger.info("Pruned log_api", { rows: deleted });
    if (!stopped) await logApi.optimize();
    return deleted;
  }

  const spans = options.spans ?? spanHelpers(undefined);

  function pruneNow(): Promise<number> {
    running ??= spans.withSpan("log_api.prune", prune).catch((error) => {
      logger.error("Cannot prune log_api", { error });
      return 0;
    }).finally(() => running = undefined);
    return running;
  }

  const enabled = options.maxAgeDays > 0 || options.maxRows > 0;
  const first = enabled ? setTimeout(pruneNow, Math.min(options.intervalMs, 1000)) : undefined;
  const interval = enabled ? setInterval(pruneNow, options.intervalMs) : undefined;
  return {
    pruneNow,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(interval);
      await running;
    },
  };
}
