/**
 * @module The sampler of TRACES_KEEP_ERRORS: the configured sampler's "drop" for a local trace
 * becomes "record, decide at the end", so the keep-errors processor can still export it.
 */

import {
  type Attributes,
  type Context,
  isSpanContextValid,
  type Link,
  type SpanKind,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import { type Sampler, SamplingDecision, type SamplingResult } from "@opentelemetry/sdk-trace-base";

/**
 * Wraps `sampler`: what it samples stays sampled, and what it drops is recorded but not sampled
 * (flag 0 in the span context, so `traceparent` says sampled=0) when the span is a local root
 * (no parent, or a remote parent that sampled the trace) or the child of a recording local span.
 * A remote parent's sampled=0 is honoured: the caller decided, nothing is recorded for it.
 */
export class KeepErrorsSampler implements Sampler {
  readonly #sampler: Sampler;

  /** Keeps `sampler`'s decisions, turning its drops into "record" as described above. */
  constructor(sampler: Sampler) {
    this.#sampler = sampler;
  }

  /** The wrapped sampler's decision, a drop turned into RECORD where the trace may be kept. */
  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const result = this.#sampler.shouldSample(
      context,
      traceId,
      spanName,
      spanKind,
      attributes,
      links,
    );
    if (result.decision !== SamplingDecision.NOT_RECORD || !recordable(context)) return result;
    return { ...result, decision: SamplingDecision.RECORD };
  }

  /** Names the wrapped sampler. */
  toString(): string {
    return `KeepErrors{${this.#sampler.toString()}}`;
  }
}

/** Whether a span started in `context` belongs to a trace the keep-errors processor may keep. */
function recordable(context: Context): boolean {
  const parent = trace.getSpan(context);
  const parentContext = parent?.spanContext();
  if (parent === undefined || parentContext === undefined || !isSpanContextValid(parentContext)) {
    return true;
  }
  if (parentContext.isRemote) return (parentContext.traceFlags & TraceFlags.SAMPLED) !== 0;
  return parent.isRecording();
}
