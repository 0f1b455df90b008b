/** @module The API-call audit log: one log_api row per call, queued and written in batches. */

import type { Database } from "../db/database.ts";
import { isRejectedRow } from "../db/errors.ts";
import { insertLogApiRows, type NewLogApiRow } from "../db/log_api.ts";
import { isoTime } from "../lib/iso_time.ts";
import { FailureLogThrottle } from "../lib/failure_log_throttle.ts";
import { settlesWithin } from "../lib/settles_within.ts";
import type { Logger } from "../telemetry/log.ts";
import { type SpanHelpers, spanHelpers } from "../telemetry/traced.ts";

/** One answered (or abandoned) API call, as the HTTP layer saw it. */
export interface ApiCall {
  readonly clientIp: string | null;
  readonly userId: string | null;
  /** Wall-clock start, epoch milliseconds. */
  readonly startTime: number;
  /** Wall-clock end, epoch milliseconds. */
  readonly endTime: number;
  readonly durationMs: number;
  readonly method: string;
  /** The path, without the query string. */
  readonly path: string;
  /** The raw query string without `?` (empty when none). */
  readonly query: string;
  readonly status: number;
  readonly traceId: string | null;
}

/** Counts of what the audit log did, for health reporting. */
export interface AuditStats {
  readonly written: number;
  readonly failed: number;
  readonly queued: number;
}

/** Records API calls; rows reach the database within one flush interval. */
export interface AuditLog {
  /** Queues one row. Cheap: the write happens later, in a batch. */
  record(call: ApiCall): void;
  /** Queues the row `finish()` describes once `settled` settles; shutdown waits for it. */
  recordWhenSettled(settled: Promise<unknown>, finish: () => ApiCall): void;
  /**
   * Writes every queued row in one transaction: now, or — with a background writer — as
   * soon as the batch in flight is committed.
   */
  flush(): void;
  /** Waits (bounded) for calls still being delivered, then writes everything queued. */
  close(timeoutMs: number): Promise<void>;
  stats(): AuditStats;
}

/** How the audit log batches. */
export interface AuditOptions {
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

/** Column sizes of log_api; longer values are truncated, never rejected. */
export const LOG_API_LIMITS = Object.freeze({
  userIp: 45,
  userId: 30,
  callUrl: 100,
  callUrlParameter: 300,
  method: 16,
});

const FAILURE_LOG_INTERVAL_MS = 10_000;

/** Creates the audit log writing into `db`. */
export function createAuditLog(db: Database, options: AuditOptions): AuditLog {
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
    queue.push(toRow(call));
    if (queue.length > maxQueuedRows) {
      const dropped = queue.length - maxQueuedRows;
      queue.splice(0, dropped);
      failed += dropped;
    }
    if (closed) return;
    // A full batch goes at once, unless one is being written: its end schedules the next.
    if (queue.length < batchRows) schedule(options.flushMs);
    else if (writing === undefined) schedule(0);
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    timerDueAt = Infinity;
    // One batch at a time: the one in flight reschedules when it settles.
    if (writing !== undefined || queue.length === 0) return;
    const batch = queue.splice(0, queue.length);
    let commit: void | Promise<void>;
    try {
      commit = insertLogApiRows(db, batch);
    } catch (error) {
      afterFailure(batch, error);
      return;
    }
    if (commit === undefined) {
      written += batch.length;
      return;
    }
    writing = commit.then(
      () => void (written += batch.length),
      (error: unknown) => afterFailure(batch, error),
    ).finally(() => {
      writing = undefined;
      if (queue.length > 0) schedule(queue.length >= batchRows ? 0 : options.flushMs);
    });
  }

  function afterFailure(batch: NewLogApiRow[], error: unknown): void | Promise<void> {
    if (isRejectedRow(error)) return writeOneByOne(batch);
    // The database refused (busy, full, closed): keep the rows, bounded, and try again later.
    queue.unshift(...batch);
    if (queue.length > maxQueuedRows) {
      failed += queue.splice(0, queue.length - maxQueuedRows).length;
    }
    reportFailure(error, batch.length);
    retryAt = performance.now() + Math.max(options.flushMs, 1000);
    schedule(0);
  }

  // One row the table rejects must not hold back the rows batched with it. Rows written in
  // the background are written one after the other, each once the previous one settled.
  function writeOneByOne(batch: readonly NewLogApiRow[], from = 0): void | Promise<void> {
    const rowFailed = (error: unknown) => {
      failed++;
      reportFailure(error, 1);
    };
    for (let index = from; index < batch.length; index++) {
      let commit: void | Promise<void>;
      try {
        commit = insertLogApiRows(db, [batch[index]!]);
      } catch (error) {
        rowFailed(error);
        continue;
      }
      if (commit !== undefined) {
        return commit.then(() => void written++, rowFailed)
          .then(() => writeOneByOne(batch, index + 1));
      }
      written++;
    }
  }

  function reportFailure(error: unknown, rows: number): void {
    const unreported = failureLog.failed();
    if (unreported === undefined) return;
    logger.error("Cannot write log_api rows: keeping them to retry", {
      error,
      rows,
      queued: queue.length,
      failures_since_last_report: unreported,
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

function toRow(call: ApiCall): NewLogApiRow {
  return {
    user_ip: truncate(call.clientIp, LOG_API_LIMITS.userIp),
    user_id: truncate(call.userId, LOG_API_LIMITS.userId),
    start_time: isoTime(call.startTime),
    end_time: isoTime(call.endTime),
    call_url: truncate(call.path, LOG_API_LIMITS.callUrl),
    call_url_parameter: call.query === ""
      ? null
      : truncate(call.query, LOG_API_LIMITS.callUrlParameter),
    method: truncate(call.method, LOG_API_LIMITS.method),
    status: Math.trunc(call.status),
    duration_ms: Number.isFinite(call.durationMs) ? Math.round(call.durationMs * 1000) / 1000 : 0,
    trace_id: call.traceId !== null && TRACE_ID.test(call.traceId) ? call.traceId : null,
  };
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/** Cuts `text` to at most `max` code points (never splitting a surrogate pair). */
export function truncate<T extends string | null>(text: T, max: number): T {
  if (text === null || text.length <= max) return text;
  let out = "";
  let count = 0;
  for (const ch of text as string) {
    if (count++ === max) break;
    out += ch;
  }
  return out as T;
}
