/**
 * @module Exemplars for histograms, which the pinned metrics SDK never attaches to points: per
 * histogram and attribute set, the last sampled measurement in each bucket, kept in fixed-size
 * slots, read by the OTLP encoder and the OpenMetrics writer.
 */

import type { Attributes, HrTime } from "@opentelemetry/api";

/** A measurement that stands for its bucket, with the trace it was made in. */
export interface Exemplar {
  readonly value: number;
  /** Milliseconds since the Unix epoch (`Date.now()`, the clock the SDK times points by). */
  readonly timeMs: number;
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
}

/** Attribute sets kept per histogram: past this, new sets get no exemplars. */
export const MAX_EXEMPLAR_SERIES = 2000;

/** One attribute set's slots, one per bucket (the last one for values above every bound). */
class Slots {
  readonly values: Float64Array;
  readonly timesMs: Float64Array;
  readonly traceIds: (string | undefined)[];
  readonly spanIds: string[];

  constructor(buckets: number) {
    this.values = new Float64Array(buckets);
    this.timesMs = new Float64Array(buckets);
    this.traceIds = new Array(buckets).fill(undefined);
    this.spanIds = new Array(buckets).fill("");
  }
}

/** The last sampled measurement per bucket of one histogram, per attribute set. */
export class BucketExemplars {
  readonly #boundaries: readonly number[];
  readonly #series = new Map<string, Slots>();

  /** `boundaries`: the histogram's explicit bucket boundaries, ascending. */
  constructor(boundaries: readonly number[]) {
    this.#boundaries = boundaries;
  }

  /** Keeps `value` as its bucket's exemplar for `attributes` (the set the histogram recorded). */
  record(
    value: number,
    attributes: Attributes,
    trace: { readonly traceId: string; readonly spanId: string },
    timeMs: number,
  ): void {
    const key = attributesKey(attributes);
    let slots = this.#series.get(key);
    if (slots === undefined) {
      if (this.#series.size >= MAX_EXEMPLAR_SERIES) return;
      slots = new Slots(this.#boundaries.length + 1);
      this.#series.set(key, slots);
    }
    const bucket = bucketOf(this.#boundaries, value);
    slots.values[bucket] = value;
    slots.timesMs[bucket] = timeMs;
    slots.traceIds[bucket] = trace.traceId;
    slots.spanIds[bucket] = trace.spanId;
  }

  /**
   * The exemplars of the point for `attributes` covering `start`..`end`, indexed by bucket
   * (`undefined` where none was measured in that time); `undefined` when there are none at all.
   * A delta point so gets only its own interval's exemplars, a cumulative one the latest.
   */
  forPoint(
    attributes: Attributes,
    start: HrTime,
    end: HrTime,
  ): (Exemplar | undefined)[] | undefined {
    const slots = this.#series.get(attributesKey(attributes));
    if (slots === undefined) return undefined;
    const fromMs = hrTimeMs(start);
    const toMs = hrTimeMs(end);
    let found = false;
    const exemplars: (Exemplar | undefined)[] = [];
    for (let i = 0; i < slots.values.length; i++) {
      const traceId = slots.traceIds[i];
      const timeMs = slots.timesMs[i]!;
      if (traceId === undefined || timeMs < fromMs || timeMs > toMs) {
        exemplars.push(undefined);
        continue;
      }
      found = true;
      exemplars.push({ value: slots.values[i]!, timeMs, traceId, spanId: slots.spanIds[i]! });
    }
    return found ? exemplars : undefined;
  }
}

/** The exemplar reservoirs of a meter provider's histograms, by metric name. */
export class ExemplarReservoirs {
  readonly #byName = new Map<string, BucketExemplars>();

  /** The reservoir of histogram `name` (created with `boundaries` on first use). */
  histogram(name: string, boundaries: readonly number[]): BucketExemplars {
    let reservoir = this.#byName.get(name);
    if (reservoir === undefined) {
      reservoir = new BucketExemplars(boundaries);
      this.#byName.set(name, reservoir);
    }
    return reservoir;
  }

  /** The reservoir of histogram `name`, if one was made. */
  get(name: string): BucketExemplars | undefined {
    return this.#byName.get(name);
  }
}

/** The bucket `value` falls in, as the SDK counts it: the first bound not below it. */
function bucketOf(boundaries: readonly number[], value: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (boundaries[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The identity of an attribute set, in insertion order: the SDK keeps the first object recorded
 * for a point, and the recording code builds its sets in one fixed order.
 */
function attributesKey(attributes: Attributes): string {
  let key = "";
  for (const name in attributes) key += `${name}\u0000${attributes[name]}\u0001`;
  return key;
}

function hrTimeMs([seconds, nanos]: HrTime): number {
  return seconds * 1000 + nanos / 1e6;
}

/** Epoch milliseconds as an HrTime. */
export function msToHrTime(timeMs: number): HrTime {
  const seconds = Math.floor(timeMs / 1000);
  return [seconds, Math.min(999_999_999, Math.round((timeMs - seconds * 1000) * 1e6))];
}
