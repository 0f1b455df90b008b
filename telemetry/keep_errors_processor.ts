/**
 * @module The span processor of TRACES_KEEP_ERRORS: it holds the spans of a local trace the
 * sampler did not sample until the trace's local root ends, then hands the whole trace on,
 * flagged sampled, when the root failed (status ERROR), and lets it go otherwise. Sampled spans
 * pass straight through. Memory is bounded by a number of traces and of spans, and a root that
 * does not end in time gives its trace up; every span given up that way is counted.
 */

import { type Context, type SpanContext, SpanStatusCode, TraceFlags } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** Why the processor gave a span up without exporting it. */
export type KeepErrorsDropReason =
  /** No room: `maxTraces` traces or `maxSpans` spans were held already. */
  | "keep_errors_full"
  /** Its local root did not end within `timeoutMs`, or before shutdown. */
  | "keep_errors_unfinished";

/** The processor's bounds and where its drops are reported. */
export interface KeepErrorsOptions {
  /** Most traces held at once; a trace that starts beyond it is not held. */
  readonly maxTraces: number;
  /** Most spans held at once, over all traces (a local root is held even beyond it). */
  readonly maxSpans: number;
  /** How long a trace is held for its local root to end, in milliseconds. */
  readonly timeoutMs: number;
  /** Told of every span given up, with the reason. */
  readonly dropped: (reason: KeepErrorsDropReason, spans: number) => void;
  /** Milliseconds from a monotonic clock; `performance.now` unless injected. */
  readonly now?: () => number;
}

/** A trace whose local root has not ended yet. */
interface HeldTrace {
  readonly startedAt: number;
  /** Local roots started and not yet ended (a trace can enter the process more than once). */
  openRoots: number;
  /** Whether an ended local root failed. */
  failed: boolean;
  /** Its ended spans, in end order. */
  readonly spans: ReadableSpan[];
}

/** What became of a trace that is no longer held, for its spans that end late. */
type Outcome = "kept" | "released" | KeepErrorsDropReason;

/**
 * Sits in front of the batch processors `next`. Sampled spans go straight to them; a recorded,
 * unsampled span (see KeepErrorsSampler) is held with its trace until the trace's local roots
 * have ended; the trace is then handed on, every span flagged sampled, in end order, when a
 * root's status is ERROR, and dropped otherwise.
 */
export class KeepErrorsSpanProcessor implements SpanProcessor {
  readonly #next: readonly SpanProcessor[];
  readonly #options: KeepErrorsOptions;
  readonly #now: () => number;
  /** Held traces by trace id, oldest first (Map keeps insertion order). */
  readonly #held = new Map<string, HeldTrace>();
  #heldSpans = 0;
  /** The last `maxTraces` outcomes, oldest first, for spans that end after their trace did. */
  readonly #outcomes = new Map<string, Outcome>();

  /** Holds unsampled traces for `next` within `options`' bounds. */
  constructor(next: readonly SpanProcessor[], options: KeepErrorsOptions) {
    this.#next = next;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Passes the start on; a local root of an unsampled trace starts holding its trace. */
  onStart(span: Span, parentContext: Context): void {
    for (const next of this.#next) next.onStart(span, parentContext);
    const context = span.spanContext();
    if ((context.traceFlags & TraceFlags.SAMPLED) !== 0 || !isLocalRoot(span)) return;
    const held = this.#held.get(context.traceId);
    if (held !== undefined) {
      held.openRoots++;
      return;
    }
    this.#expire();
    if (this.#held.size >= this.#options.maxTraces) {
      this.#decided(context.traceId, "keep_errors_full");
      return;
    }
    this.#outcomes.delete(context.traceId);
    this.#held.set(context.traceId, {
      startedAt: this.#now(),
      openRoots: 1,
      failed: false,
      spans: [],
    });
  }

  /** Passes a sampled span on; holds an unsampled one, deciding its trace when a root ends. */
  onEnd(span: ReadableSpan): void {
    const context = span.spanContext();
    if ((context.traceFlags & TraceFlags.SAMPLED) !== 0) {
      for (const next of this.#next) next.onEnd(span);
      return;
    }
    const held = this.#held.get(context.traceId);
    if (held === undefined) return this.#late(span);
    const root = isLocalRoot(span);
    if (root || this.#heldSpans < this.#options.maxSpans) {
      held.spans.push(span);
      this.#heldSpans++;
    } else {
      this.#options.dropped("keep_errors_full", 1);
    }
    if (!root) return;
    if (span.status.code === SpanStatusCode.ERROR) held.failed = true;
    if (--held.openRoots > 0) return;
    this.#release(context.traceId, held);
    if (held.failed) { for (const kept of held.spans) this.#export(kept); }
    this.#decided(context.traceId, held.failed ? "kept" : "released");
  }

  /** Flushes `next`; traces still held stay held (their roots have not ended). */
  async forceFlush(): Promise<void> {
    await Promise.all(this.#next.map((next) => next.forceFlush()));
  }

  /** Gives up the traces still held (counted as unfinished), then shuts `next` down. */
  async shutdown(): Promise<void> {
    for (const [traceId, held] of this.#held) this.#giveUp(traceId, held);
    await Promise.all(this.#next.map((next) => next.shutdown()));
  }

  /** A span whose trace is not held: handed on if its trace was kept, else dropped. */
  #late(span: ReadableSpan): void {
    const outcome = this.#outcomes.get(span.spanContext().traceId);
    if (outcome === "kept") this.#export(span);
    else if (outcome !== undefined && outcome !== "released") this.#options.dropped(outcome, 1);
  }

  /** Gives up the traces held longer than the timeout (the oldest come first). */
  #expire(): void {
    const oldest = this.#now() - this.#options.timeoutMs;
    for (const [traceId, held] of this.#held) {
      if (held.startedAt > oldest) return;
      this.#giveUp(traceId, held);
    }
  }

  #giveUp(traceId: string, held: HeldTrace): void {
    this.#release(traceId, held);
    if (held.spans.length > 0) this.#options.dropped("keep_errors_unfinished", held.spans.length);
    this.#decided(traceId, "keep_errors_unfinished");
  }

  #release(traceId: string, held: HeldTrace): void {
    this.#held.delete(traceId);
    this.#heldSpans -= held.spans.length;
  }

  /** Remembers `outcome` for `traceId`, forgetting the oldest beyond `maxTraces`. */
  #decided(traceId: string, outcome: Outcome): void {
    this.#outcomes.delete(traceId);
    this.#outcomes.set(traceId, outcome);
    if (this.#outcomes.size > this.#options.maxTraces) {
      this.#outcomes.delete(this.#outcomes.keys().next().value!);
    }
  }

  #export(span: ReadableSpan): void {
    const sampled = flaggedSampled(span);
    for (const next of this.#next) next.onEnd(sampled);
  }
}

/** Whether `span` is the first of its trace in this process (no parent, or a remote one). */
function isLocalRoot(span: ReadableSpan): boolean {
  return span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true;
}

/** `span` as exported when its trace is kept: its context (and a local parent's) sampled. */
function flaggedSampled(span: ReadableSpan): ReadableSpan {
  const context = sampledContext(span.spanContext());
  const parent = span.parentSpanContext;
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => context,
    ...(parent === undefined
      ? {}
      : { parentSpanContext: parent.isRemote ? parent : sampledContext(parent) }),
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

function sampledContext(context: SpanContext): SpanContext {
  return { ...context, traceFlags: context.traceFlags | TraceFlags.SAMPLED };
}
