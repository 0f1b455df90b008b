/**
 * @module Counts spans in OTLP/HTTP protobuf trace bodies by walking the wire format (no
 * message objects), and attributes each span to its trace's root: request traces (rooted at
 * a SERVER span) are counted per route name, background traces (batch writes, pruning) apart.
 */

/** Spans of the request traces whose SERVER root span has one name. */
export interface RootCount {
  /** Traces (= requests) seen with this root name. */
  traces: number;
  /** Spans in those traces, root included. */
  spans: number;
}

/** Everything a tally has counted so far. */
export interface TallyResult {
  /** Request traces by their SERVER span name, e.g. `GET /board/:count`. */
  readonly requests: ReadonlyMap<string, RootCount>;
  /** Spans of traces whose root is not a SERVER span (background work). */
  readonly backgroundSpans: number;
  /** Background traces by root name. */
  readonly backgroundRoots: ReadonlyMap<string, number>;
  /** Spans whose root has not arrived (or arrived earlier in another body): unattributed. */
  readonly unattributedSpans: number;
  readonly totalSpans: number;
  readonly bodies: number;
}

/** Adds trace bodies one by one; bounded memory (only traces still missing their root). */
export interface SpanTally {
  add(body: Uint8Array): void;
  result(): TallyResult;
}

const SPAN_KIND_SERVER = 2;

/** A tally of spans in ExportTraceServiceRequest bodies. */
export function createSpanTally(): SpanTally {
  // Children end (and are queued for export) before their root; until the root arrives they
  // wait here, keyed by trace id.
  const pending = new Map<string, number>();
  const background = new Set<string>();
  const requests = new Map<string, RootCount>();
  const backgroundRoots = new Map<string, number>();
  const names = new Map<string, string>();
  const decoder = new TextDecoder();
  let backgroundSpans = 0;
  let totalSpans = 0;
  let bodies = 0;

  function nameOf(bytes: Uint8Array, start: number, end: number): string {
    // Root names are few; key the cache on the raw bytes to skip most UTF-8 decoding.
    const key = String.fromCharCode(...bytes.subarray(start, end));
    let name = names.get(key);
    if (name === undefined) {
      name = decoder.decode(bytes.subarray(start, end));
      names.set(key, name);
    }
    return name;
  }

  function onSpan(bytes: Uint8Array, start: number, end: number): void {
    totalSpans++;
    let traceKey = "";
    let hasParent = false;
    let nameStart = 0;
    let nameEnd = 0;
    let kind = 0;
    const reader = new WireReader(bytes, start, end);
    while (reader.more()) {
      const tag = reader.varint();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === 2) {
        const length = reader.varint();
        const from = reader.pos;
        reader.skip(length);
        if (field === 1) traceKey = String.fromCharCode(...bytes.subarray(from, from + length));
        else if (field === 4) hasParent = length > 0;
        else if (field === 5) {
          nameStart = from;
          nameEnd = from + length;
        }
      } else if (wire === 0) {
        const value = reader.varint();
        if (field === 6) kind = value;
      } else {
        reader.skipWire(wire);
      }
    }
    if (hasParent) {
      if (background.has(traceKey)) backgroundSpans++;
      else pending.set(traceKey, (pending.get(traceKey) ?? 0) + 1);
      return;
    }
    const spans = 1 + (pending.get(traceKey) ?? 0);
    pending.delete(traceKey);
    const name = nameOf(bytes, nameStart, nameEnd);
    if (kind === SPAN_KIND_SERVER) {
      const count = requests.get(name) ?? { traces: 0, spans: 0 };
      count.traces++;
      count.spans += spans;
      requests.set(name, count);
    } else {
      background.add(traceKey);
      backgroundSpans += spans;
      backgroundRoots.set(name, (backgroundRoots.get(name) ?? 0) + 1);
    }
  }

  // ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.spans(2).
  function walk(bytes: Uint8Array, start: number, end: number, path: readonly number[]): void {
    const reader = new WireReader(bytes, start, end);
    while (reader.more()) {
      const tag = reader.varint();
      const wire = tag & 7;
      if (wire !== 2) {
        reader.skipWire(wire);
        continue;
      }
      const length = reader.varint();
      const from = reader.pos;
      reader.skip(length);
      if ((tag >>> 3) !== path[0]) continue;
      if (path.length === 1) onSpan(bytes, from, from + length);
      else walk(bytes, from, from + length, path.slice(1));
    }
  }

  return {
    add(body) {
      bodies++;
      walk(body, 0, body.length, [1, 2, 2]);
    },
    result() {
      let unattributedSpans = 0;
      for (const count of pending.values()) unattributedSpans += count;
      return {
        requests: new Map([...requests].map(([name, count]) => [name, { ...count }])),
        backgroundSpans,
        backgroundRoots: new Map(backgroundRoots),
        unattributedSpans,
        totalSpans,
        bodies,
      };
    },
  };
}

/** A cursor over protobuf wire data between `pos` and `end`. */
class WireReader {
  pos: number;
  constructor(private readonly bytes: Uint8Array, start: number, private readonly end: number) {
    this.pos = start;
  }
  more(): boolean {
    return this.pos < this.end;
  }
  /** A varint up to 2^53 (enough for tags, lengths and span kinds). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error("Truncated varint in OTLP body");
      const byte = this.bytes[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new Error("Varint longer than 10 bytes in OTLP body");
  }
  skip(length: number): void {
    this.pos += length;
    if (this.pos > this.end) throw new Error("Truncated field in OTLP body");
  }
  skipWire(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.skip(8);
    else if (wire === 5) this.skip(4);
    else throw new Error(`Unsupported wire type ${wire} in OTLP body`);
  }
}
