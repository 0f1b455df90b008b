/**
 * @module OTLP/protobuf encoding of finished spans (ExportTraceServiceRequest), byte for byte
 * what the SDK's ProtobufTraceSerializer writes, in one pass instead of two: the resource and
 * scope are encoded once per object, trace and span ids go straight from hex into the
 * buffer, and the UTF-8 of recurring strings (attribute keys, span names, SQL) is cached.
 */

import type { Attributes, AttributeValue, HrTime, Link, SpanContext } from "@opentelemetry/api";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";

type Resource = ReadableSpan["resource"];
type Scope = ReadableSpan["instrumentationScope"];

const LENGTH_DELIMITED = 2;
const VARINT = 0;
const FIXED64 = 1;
const FIXED32 = 5;
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
const TWO_32 = 0x1_0000_0000;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** Strings up to this length have their UTF-8 cached; the cache is emptied when full. */
const CACHED_STRING_LENGTH = 1024;
const CACHED_STRINGS = 4096;

/** Nibble value of each ASCII hex digit (ids from the SDK are lowercase, but be lenient). */
const NIBBLE = (() => {
  const table = new Uint8Array(128);
  for (let i = 0; i < 10; i++) table[48 + i] = i;
  for (let i = 0; i < 6; i++) table[97 + i] = table[65 + i] = 10 + i;
  return table;
})();

/** A growable buffer with protobuf primitives; length prefixes are patched in after the body. */
class Writer {
  bytes = new Uint8Array(64 * 1024);
  view = new DataView(this.bytes.buffer);
  pos = 0;

  reserve(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A non-negative integer below 2^32 (tags, lengths, counts, enums). */
  varint(value: number): void {
    this.reserve(5);
    this.pos = this.varintAt(this.pos, value);
  }

  /** Writes `value` (below 2^32) as a varint at `at`; gives the position after it. */
  varintAt(at: number, value: number): number {
    let v = value >>> 0;
    while (v > 0x7f) {
      this.bytes[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[at] = v;
    return at + 1;
  }

  /** Any integer in the int64 range, negative ones as 10-byte two's complement. */
  int64(value: number): void {
    if (value >= 0 && value < TWO_32) return this.varint(value);
    this.reserve(10);
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.bytes[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.bytes[this.pos++] = Number(v);
  }

  fixed32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  /** An HrTime as unsigned nanoseconds, without losing precision past 2^53. */
  time([seconds, nanos]: HrTime): void {
    // seconds·1e9 + nanos = high·2^16 + low, each part an exact double.
    const low = (seconds % 0x10000) * 1e9 + nanos;
    const high = Math.floor(seconds / 0x10000) * 1e9;
    let lo = (high % 0x10000) * 0x10000 + (low % TWO_32);
    let hi = Math.floor(high / 0x10000) + Math.floor(low / TWO_32);
    if (lo >= TWO_32) {
      lo -= TWO_32;
      hi += 1;
    }
    this.reserve(8);
    this.view.setUint32(this.pos, lo, true);
    this.view.setUint32(this.pos + 4, hi >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Length-prefixed bytes. */
  lengthPrefixed(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /** A hex id as length-prefixed bytes. */
  hexId(hex: string): void {
    const length = hex.length >>> 1;
    this.varint(length);
    this.reserve(length);
    for (let i = 0; i < length; i++) {
      this.bytes[this.pos++] = (NIBBLE[hex.charCodeAt(2 * i) & 0x7f]! << 4) |
        NIBBLE[hex.charCodeAt(2 * i + 1) & 0x7f]!;
    }
  }

  /** Starts a length-delimited body; `end(start)` writes its length in front of it. */
  begin(): number {
    this.reserve(1);
    return this.pos++;
  }

  end(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.bytes[start] = length;
      return;
    }
    // The one byte kept for the length is too few: move the body up to make room.
    let size = 1;
    for (let v = length >>> 7; v > 0; v >>>= 7) size++;
    this.reserve(size - 1);
    this.bytes.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    this.varintAt(start, length);
  }
}

/** Encodes spans into OTLP ExportTraceServiceRequest bytes; reuses its buffer and caches. */
export class OtlpTraceEncoder {
  #writer = new Writer();
  #utf8 = new Map<string, Uint8Array>();
  #encoder = new TextEncoder();
  #resources = new WeakMap<Resource, Uint8Array>();
  #scopes = new WeakMap<Scope, Uint8Array>();

  /** The request body for `spans`, grouped by resource and instrumentation scope. */
  encode(spans: readonly ReadableSpan[]): Uint8Array {
    const groups = new Map<Resource, Map<Scope, ReadableSpan[]>>();
    for (const span of spans) {
      let scopes = groups.get(span.resource);
      if (scopes === undefined) groups.set(span.resource, scopes = new Map());
      let list = scopes.get(span.instrumentationScope);
      if (list === undefined) scopes.set(span.instrumentationScope, list = []);
      list.push(span);
    }
    const w = this.#writer;
    w.pos = 0;
    for (const [resource, scopes] of groups) {
      w.tag(1, LENGTH_DELIMITED);
      const resourceSpans = w.begin();
      w.raw(this.#resource(resource));
      for (const [scope, list] of scopes) {
        w.tag(2, LENGTH_DELIMITED);
        const scopeSpans = w.begin();
        w.raw(this.#scope(scope));
        for (const span of list) this.#span(span);
        if (scope.schemaUrl) this.#stringField(3, scope.schemaUrl);
        w.end(scopeSpans);
      }
      if (resource.schemaUrl) this.#stringField(3, resource.schemaUrl);
      w.end(resourceSpans);
    }
    const body = w.bytes.slice(0, w.pos);
    // A rare huge export should not pin its buffer for good.
    if (w.bytes.length > 4 * 1024 * 1024) this.#writer = new Writer();
    return body;
  }

  #span(span: ReadableSpan): void {
    const w = this.#writer;
    const context = span.spanContext();
    w.tag(2, LENGTH_DELIMITED);
    const start = w.begin();
    w.tag(1, LENGTH_DELIMITED);
    w.hexId(context.traceId);
    w.tag(2, LENGTH_DELIMITED);
    w.hexId(context.spanId);
    const traceState = context.traceState?.serialize();
    if (traceState) this.#stringField(3, traceState);
    const parent = span.parentSpanContext;
    if (parent?.spanId) {
      w.tag(4, LENGTH_DELIMITED);
      w.hexId(parent.spanId);
    }
    this.#stringField(5, span.name);
    // OTLP's SpanKind counts from 1 (0 is "unspecified").
    const kind = (span.kind ?? -1) + 1;
    if (kind !== 0) {
      w.tag(6, VARINT);
      w.varint(kind);
    }
    w.tag(7, FIXED64);
    w.time(span.startTime);
    w.tag(8, FIXED64);
    w.time(span.endTime);
    if (span.attributes) this.#attributes(9, span.attributes);
    w.tag(10, VARINT);
    w.varint(span.droppedAttributesCount);
    for (const event of span.events) this.#event(event);
    w.tag(12, VARINT);
    w.varint(span.droppedEventsCount);
    for (const link of span.links) this.#link(link);
    w.tag(14, VARINT);
    w.varint(span.droppedLinksCount);
    w.tag(15, LENGTH_DELIMITED);
    const status = w.begin();
    if (span.status.message) this.#stringField(2, span.status.message);
    w.tag(3, VARINT);
    w.varint(span.status.code);
    w.end(status);
    w.tag(16, FIXED32);
    w.fixed32(flags(context, parent?.isRemote));
    w.end(start);
  }

  #event(event: TimedEvent): void {
    const w = this.#writer;
    w.tag(11, LENGTH_DELIMITED);
    const start = w.begin();
    w.tag(1, FIXED64);
    w.time(event.time);
    this.#stringField(2, event.name);
    if (event.attributes) this.#attributes(3, event.attributes);
    w.tag(4, VARINT);
    w.varint(event.droppedAttributesCount || 0);
    w.end(start);
  }

  #link(link: Link): void {
    const w = this.#writer;
    w.tag(13, LENGTH_DELIMITED);
    const start = w.begin();
    w.tag(1, LENGTH_DELIMITED);
    w.hexId(link.context.traceId);
    w.tag(2, LENGTH_DELIMITED);
    w.hexId(link.context.spanId);
    const traceState = link.context.traceState?.serialize();
    if (traceState) this.#stringField(3, traceState);
    if (link.attributes) this.#attributes(4, link.attributes);
    w.tag(5, VARINT);
    w.varint(link.droppedAttributesCount || 0);
    w.tag(6, FIXED32);
    w.fixed32(flags(link.context, link.context.isRemote));
    w.end(start);
  }

  /** Resource { attributes = 1; dropped_attributes_count = 2 } as field 1, once per object. */
  #resource(resource: Resource): Uint8Array {
    let bytes = this.#resources.get(resource);
    if (bytes === undefined) {
      bytes = this.#apart(() => {
        const w = this.#writer;
        w.tag(1, LENGTH_DELIMITED);
        const start = w.begin();
        if (resource.attributes) this.#attributes(1, resource.attributes);
        w.tag(2, VARINT);
        w.varint(0);
        w.end(start);
      });
      this.#resources.set(resource, bytes);
    }
    return bytes;
  }

  /** InstrumentationScope as field 1, once per object. */
  #scope(scope: Scope): Uint8Array {
    let bytes = this.#scopes.get(scope);
    if (bytes === undefined) {
      bytes = this.#apart(() => {
        const w = this.#writer;
        w.tag(1, LENGTH_DELIMITED);
        const start = w.begin();
        this.#stringField(1, scope.name);
        if (scope.version) this.#stringField(2, scope.version);
        w.end(start);
      });
      this.#scopes.set(scope, bytes);
    }
    return bytes;
  }

  /** The bytes `write` produces, encoded on a scratch writer. */
  #apart(write: () => void): Uint8Array {
    const saved = this.#writer;
    this.#writer = new Writer();
    try {
      write();
      return this.#writer.bytes.slice(0, this.#writer.pos);
    } finally {
      this.#writer = saved;
    }
  }

  #attributes(field: number, attributes: Attributes): void {
    const w = this.#writer;
    for (const key in attributes) {
      if (!Object.hasOwn(attributes, key)) continue;
      w.tag(field, LENGTH_DELIMITED);
      const keyValue = w.begin();
      this.#stringField(1, key);
      w.tag(2, LENGTH_DELIMITED);
      const value = w.begin();
      this.#anyValue(attributes[key]);
      w.end(value);
      w.end(keyValue);
    }
  }

  #anyValue(value: AttributeValue | Attributes | Uint8Array | null | undefined): void {
    const w = this.#writer;
    switch (typeof value) {
      case "string":
        return this.#stringField(1, value);
      case "boolean":
        w.tag(2, VARINT);
        return w.varint(value ? 1 : 0);
      case "number":
        if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
          w.tag(3, VARINT);
          return w.int64(value);
        }
        w.tag(4, FIXED64);
        return w.double(value);
    }
    if (value instanceof Uint8Array) {
      w.tag(7, LENGTH_DELIMITED);
      return w.lengthPrefixed(value);
    }
    if (Array.isArray(value)) {
      w.tag(5, LENGTH_DELIMITED);
      const array = w.begin();
      for (const item of value) {
        w.tag(1, LENGTH_DELIMITED);
        const itemStart = w.begin();
        this.#anyValue(item);
        w.end(itemStart);
      }
      return w.end(array);
    }
    if (typeof value === "object" && value !== null) {
      w.tag(6, LENGTH_DELIMITED);
      const list = w.begin();
      this.#attributes(1, value as Attributes);
      return w.end(list);
    }
    // null, undefined and other types are written as an empty AnyValue, as the SDK does.
  }

  #stringField(field: number, text: string): void {
    const w = this.#writer;
    w.tag(field, LENGTH_DELIMITED);
    if (text.length > CACHED_STRING_LENGTH) return w.lengthPrefixed(this.#encoder.encode(text));
    let bytes = this.#utf8.get(text);
    if (bytes === undefined) {
      if (this.#utf8.size >= CACHED_STRINGS) this.#utf8.clear();
      bytes = this.#encoder.encode(text);
      this.#utf8.set(text, bytes);
    }
    w.lengthPrefixed(bytes);
  }
}

/** W3C trace flags plus OTLP's "is the parent remote" bits. */
function flags(context: SpanContext, remote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | HAS_IS_REMOTE | (remote ? IS_REMOTE : 0);
}
