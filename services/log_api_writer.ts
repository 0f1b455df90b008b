/** @module The call-log writer: one log_api row per API call, queued and written in batches. */

import { type ApiCall, logApiRowOf, type NewLogApiRow } from "../db/log_api_schema.ts";
import type { LogApiRepository } from "../db/store.ts";
import { FailureLogThrottle } from "../lib/failure_log_throttle.ts";
import { settlesWithin } from "../lib/settles_within.ts";
import type { Logger } from "../telemetry/log.ts";
import { type SpanHelpers, spanHelpers } from "../telemetry/traced.ts";

export type { ApiCall };

/** Counts of what the call-log writer did, for health reporting. */
export interface LogApiWriterStats {
  readonly written: number;
  readonly failed: number;
  readonly queued: number;
}

/** Records API calls; rows reach the database within one flush interval. */
export interface LogApiWriter {
  /** Queues one row. Cheap: the write happens later, in a batch. */
  record(call: ApiCall): void;
  /** Queues the row `finish()` describes once `settled` settles; shutdown waits for it. */
  recordWhenSettled(settled: Promise<unknown>, finish: () => ApiCall): void;
  /**
   * Writes every queued row in one transaction: starts now, or — while a batch is being
   * written — as soon as that one is committed. Settles (never rejects) once the batch it
   * started, or the one in flight, is settled.
   */
  flush(): Promise<void>;
  /**
   * Writes every queued row at once on the service's own connection, without waiting for a
   * batch in flight on a background writer (which a forced exit may lose): for "exit now".
   */
  writeQueuedNow(): Promise<void>;
  /** Waits (bounded) for calls still being delivered, then writes everything queued. */
  close(timeoutMs: number): Promise<void>;
  stats(): LogApiWriterStats;
}

/** How the call-log writer batches. */
export interface LogApiWriterOptions {
  /** Longest time a row waits in memory before its batch is written. */
  readonly flushMs: number;
  /** Rows kept while the database refuses writes; beyond it the oldest are dropped and counted. */
  readonly maxQueuedRows?: number;
  /** A batch this large is written at once instead of waiting for the interval. */
  readonly batchRows?: number;
  readonly logger: Logger;
  /** Keeps batch writes out of the trace of the request that happened to arm the timer. */
  readonly spans?: SpanHelpers;
}

const FAILURE_LOG_INTERVAL_MS = 10_000;

/** Creates the call-log writer writing into `logApi`. */
export function createLogApiWriter(
  logApi: LogApiRepository,
  options: LogApiWriterOptions,
): LogApiWriter {
  const logger = options.logger.scoped(import.meta.url);
  const maxQueuedRows = options.maxQueuedRows ?? 100_000;
  const batchRows = options.batchRows ?? 1_000;
  const queue: NewLogApiRow[] = [];
  const pending = new Set<Promise<unknown>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The batch being written in the background, if any. */
  let writing: Promise<void> | undefined;
  let written = 0;
  let failed = 0;
  const failureLog = new FailureLogThrottle(FAILURE_LOG_INTERVAL_MS);
  const dropLog = new FailureLogThrottle(FAILURE_LOG_INTERVAL_MS);
  let closed = false;
  let finished = false;

  const spans = options.spans ?? spanHelpers(undefined);
  /** When the armed flush timer fires (Infinity: none armed). */
  let timerDueAt = Infinity;
  /** After a refused write, no flush before this time. */
  let retryAt = 0;
  /** Arms the flush timer, or brings an armed one forward; never puts it off. */
  const schedule = (delayMs: number) => {
    if (closed) return;
    const now = performance.now();
    const dueAt = Math.max(now + delayMs, retryAt);
    if (dueAt >= timerDueAt) return;
    clearTimeout(timer);
    timerDueAt = dueAt;
    timer = spans.detached(() => setTimeout(flush, dueAt - now));
  };

  function enqueue(call: ApiCall): void {
    if (finished) {
      // Delivered after close() gave up waiting: the database is gone, so count the loss.
      failed++;
      return;
    }
    queue.push(logApiRowOf(call));
    if (queue.length > maxQueuedRows) {
      const dropped = queue.length - maxQueuedRows;
      queue.splice(0, dropped);
      failed += dropped;
      reportDropped(dropped);
    }
    if (closed) return;
    // A full batch goes at once, unless one is being written: its end schedules the next.
    if (queue.length < batchRows) schedule(options.flushMs);
    else if (writing === undefined) schedule(0);
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    timerDueAt = Infinity;
    // One batch at a time: the one in flight reschedules when it settles.
    if (writing !== undefined) return writing;
    if (queue.length === 0) return Promise.resolve();
    const batch = queue.splice(0, queue.length);
    writing = logApi.insertBatch(batch).then(
      () => void (written += batch.length),
      (error: unknown) => afterFailure(batch, error),
    ).finally(() => {
      writing = undefined;
      if (queue.length > 0) schedule(queue.length >= batchRows ? 0 : options.flushMs);
    });
    return writing;
  }

  function afterFailure(batch: NewLogApiRow[], error: unknown): Promise<void> | undefined {
    if (logApi.isRejectedRow(error)) return writeOneByOne(batch);
    // The database refused (busy, full, closed): keep the rows, bounded, and try again later.
    queue.unshift(...batch);
    if (queue.length > maxQueuedRows) {
      const dropped = queue.splice(0, queue.length - maxQueuedRows).length;
      failed += dropped;
      reportDropped(dropped);
    }
    reportFailure(error, batch.length, "kept");
    retryAt = performance.now() + Math.max(options.flushMs, 1000);
    schedule(0);
    return undefined;
  }

  // One row the table rejects must not hold back the rows batched with it: the rows are
  // written one after the other, each once the previous one settled.
  async function writeOneByOne(batch: readonly NewLogApiRow[]): Promise<void> {
    for (const row of batch) {
      try {
        await logApi.insertBatch([row]);
        written++;
      } catch (error) {
        failed++;
        reportFailure(error, 1, "lost");
      }
    }
  }

  // "kept": the database refused and the rows wait for a retry; "lost": the table refused
  // a row for its values, which no retry would change.
  function reportFailure(error: unknown, rows: number, fate: "kept" | "lost"): void {
    const unreported = failureLog.failed();
    if (unreported === undefined) return;
    const message = fate === "kept"
      ? "Cannot write log_api rows: keeping them to retry"
      : "Cannot write a log_api row the table refuses: it is lost";
    logger.error(message, {
      error,
      rows,
      queued: queue.length,
      failures_since_last_report: unreported,
    });
  }

  // Rows past the bound are lost: said once per interval, not once per row.
  function reportDropped(rows: number): void {
    const unreported = dropLog.failed();
    if (unreported === undefined) return;
    logger.error("log_api queue full: dropped its oldest rows", {
      rows,
      max_queued_rows: maxQueuedRows,
      drops_since_last_report: unreported,
    });
  }

  return {
    record: enqueue,
    recordWhenSettled(settled, finish) {
      const record = () => {
        pending.delete(done);
        try {
          enqueue(finish());
        } catch (error) {
          failed++;
          logger.error("Cannot build a log_api row", { error });
        }
      };
      const done: Promise<void> = settled.then(record, record);
      pending.add(done);
    },
    flush,
    async writeQueuedNow() {
      clearTimeout(timer);
      const batch = queue.splice(0, queue.length);
      if (batch.length === 0) return;
      try {
        await logApi.insertBatchNow(batch);
        written += batch.length;
      } catch (error) {
        failed += batch.length;
        reportFailure(error, batch.length, "lost");
      }
    },
    async close(timeoutMs) {
      if (!await settlesWithin(Promise.allSettled([...pending]), timeoutMs)) {
        logger.warn("Some responses were still being delivered at shutdown", {
          responses: pending.size,
        });
      }
      closed = true;
      // What is in flight settles first; then the rest goes in one more batch (or two, when
      // the first attempt ran into a busy database).
      for (let attempt = 0; attempt < 3 && (writing !== undefined || queue.length > 0); attempt++) {
        if (writing !== undefined && !await settlesWithin(writing, timeoutMs)) break;
        flush();
      }
      if (writing !== undefined) await settlesWithin(writing, timeoutMs);
      finished = true;
      if (queue.length > 0) {
        failed += queue.length;
        logger.error("log_api rows lost at shutdown", { rows: queue.length });
        queue.length = 0;
      }
    },
    stats: () => ({ written, failed, queued: queue.length }),
  };
}
