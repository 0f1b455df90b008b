/**
 * @module A one-pass protobuf writer for the OTLP encoders: a growable buffer whose length
 * prefixes are patched in after each body, the OTLP common messages (AnyValue, KeyValue,
 * Resource, InstrumentationScope) written as the SDK serializers write them, the UTF-8 of
 * recurring strings cached, and each resource and scope encoded once per object.
 */

import type { Attributes, AttributeValue, HrTime } from "@opentelemetry/api";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";

/** Protobuf wire type of varints (ints, enums, bools). */
export const VARINT = 0;
/** Protobuf wire type of fixed64, sfixed64 and double. */
export const FIXED64 = 1;
/** Protobuf wire type of strings, bytes, messages and packed repeated fields. */
export const LENGTH_DELIMITED = 2;
/** Protobuf wire type of fixed32. */
export const FIXED32 = 5;

const TWO_32 = 0x1_0000_0000;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;
const INITIAL_BYTES = 64 * 1024;
/** A buffer grown past this by a rare huge export is dropped after it. */
const KEPT_BYTES = 4 * 1024 * 1024;

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

/** Writes one protobuf message at a time; reuse it across messages (its caches persist). */
export class ProtobufWriter {
  bytes = new Uint8Array(INITIAL_BYTES);
  view = new DataView(this.bytes.buffer);
  pos = 0;
  #utf8 = new Map<string, Uint8Array>();
  #encoder = new TextEncoder();
  #resources = new WeakMap<Resource, Uint8Array>();
  #scopes = new WeakMap<InstrumentationScope, Uint8Array>();

  /** The bytes written since the last `finish()`; the writer starts over. */
  finish(): Uint8Array {
    const body = this.bytes.slice(0, this.pos);
    this.pos = 0;
    if (this.bytes.length > KEPT_BYTES) this.#replace(new Uint8Array(INITIAL_BYTES));
    return body;
  }

  reserve(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.pos));
    this.#replace(grown);
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A non-negative integer below 2^32 (tags, lengths, counts, enums). */
  varint(value: number): void {
    this.reserve(5);
    this.pos = this.#varintAt(this.pos, value);
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

  /** An integer as 8 little-endian bytes, negative ones in two's complement (sfixed64). */
  fixed64(value: number): void {
    let low = value >>> 0;
    let high = (Math.abs(value) / TWO_32) >>> 0;
    if (value < 0) {
      // As the SDK writes it: the magnitude's complement plus one.
      low = (~(Math.abs(value) >>> 0) + 1) >>> 0;
      high = ~high >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    this.reserve(8);
    this.view.setUint32(this.pos, low, true);
    this.view.setUint32(this.pos + 4, high, true);
    this.pos += 8;
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
    this.#varintAt(start, length);
  }

  /** A string field, its UTF-8 cached when short. */
  string(field: number, text: string): void {
    this.tag(field, LENGTH_DELIMITED);
    if (text.length > CACHED_STRING_LENGTH) return this.lengthPrefixed(this.#encoder.encode(text));
    let bytes = this.#utf8.get(text);
    if (bytes === undefined) {
      if (this.#utf8.size >= CACHED_STRINGS) this.#utf8.clear();
      bytes = this.#encoder.encode(text);
      this.#utf8.set(text, bytes);
    }
    this.lengthPrefixed(bytes);
  }

  /** `attributes` as repeated KeyValue `field`. */
  attributes(field: number, attributes: Attributes): void {
    for (const key in attributes) {
      if (!Object.hasOwn(attributes, key)) continue;
      this.tag(field, LENGTH_DELIMITED);
      const keyValue = this.begin();
      this.string(1, key);
      this.tag(2, LENGTH_DELIMITED);
      const value = this.begin();
      this.#anyValue(attributes[key]);
      this.end(value);
      this.end(keyValue);
    }
  }

  /** Resource { attributes = 1; dropped_attributes_count = 2 } as field 1, once per object. */
  resource(resource: Resource): void {
    let bytes = this.#resources.get(resource);
    if (bytes === undefined) {
      bytes = this.#apart(() => {
        this.tag(1, LENGTH_DELIMITED);
        const start = this.begin();
        if (resource.attributes) this.attributes(1, resource.attributes);
        this.tag(2, VARINT);
        this.varint(0);
        this.end(start);
      });
      this.#resources.set(resource, bytes);
    }
    this.raw(bytes);
  }

  /** InstrumentationScope { name = 1; version = 2 } as field 1, once per object. */
  scope(scope: InstrumentationScope): void {
    let bytes = this.#scopes.get(scope);
    if (bytes === undefined) {
      bytes = this.#apart(() => {
        this.tag(1, LENGTH_DELIMITED);
        const start = this.begin();
        this.string(1, scope.name);
        if (scope.version) this.string(2, scope.version);
        this.end(start);
      });
      this.#scopes.set(scope, bytes);
    }
    this.raw(bytes);
  }

  #replace(bytes: Uint8Array<ArrayBuffer>): void {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer);
  }

  /** Writes `value` (below 2^32) as a varint at `at`; gives the position after it. */
  #varintAt(at: number, value: number): number {
    let v = value >>> 0;
    while (v > 0x7f) {
      this.bytes[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[at] = v;
    return at + 1;
  }

  /** The bytes `write` produces, written on a scratch buffer. */
  #apart(write: () => void): Uint8Array {
    const { bytes, pos } = this;
    this.#replace(new Uint8Array(1024));
    this.pos = 0;
    try {
      write();
      return this.bytes.slice(0, this.pos);
    } finally {
      this.#replace(bytes);
      this.pos = pos;
    }
  }

  #anyValue(value: AttributeValue | Attributes | Uint8Array | null | undefined): void {
    switch (typeof value) {
      case "string":
        return this.string(1, value);
      case "boolean":
        this.tag(2, VARINT);
        return this.varint(value ? 1 : 0);
      case "number":
        if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
          this.tag(3, VARINT);
          return this.int64(value);
        }
        this.tag(4, FIXED64);
        return this.double(value);
    }
    if (value instanceof Uint8Array) {
      this.tag(7, LENGTH_DELIMITED);
      return this.lengthPrefixed(value);
    }
    if (Array.isArray(value)) {
      this.tag(5, LENGTH_DELIMITED);
      const array = this.begin();
      for (const item of value) {
        this.tag(1, LENGTH_DELIMITED);
        const itemStart = this.begin();
        this.#anyValue(item);
        this.end(itemStart);
      }
      return this.end(array);
    }
    if (typeof value === "object" && value !== null) {
      this.tag(6, LENGTH_DELIMITED);
      const list = this.begin();
      this.attributes(1, value as Attributes);
      return this.end(list);
    }
    // null, undefined and other types are written as an empty AnyValue, as the SDK does.
  }
}
