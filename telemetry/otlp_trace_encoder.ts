/**
 * @module OTLP/protobuf encoding of finished spans (ExportTraceServiceRequest), byte for byte
 * what the SDK's ProtobufTraceSerializer writes, in one pass instead of two: the resource and
 * scope are encoded once per object, trace and span ids go straight from hex into the
 * buffer, and the UTF-8 of recurring strings (attribute keys, span names, SQL) is cached.
 */

import type { Link, SpanContext } from "@opentelemetry/api";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";
import { FIXED32, FIXED64, LENGTH_DELIMITED, ProtobufWriter, VARINT } from "./protobuf_writer.ts";

type Resource = ReadableSpan["resource"];
type Scope = ReadableSpan["instrumentationScope"];

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** Encodes spans into OTLP ExportTraceServiceRequest bytes; reuses its buffer and caches. */
export class OtlpTraceEncoder {
  #writer = new ProtobufWriter();

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
    for (const [resource, scopes] of groups) {
      w.tag(1, LENGTH_DELIMITED);
      const resourceSpans = w.begin();
      w.resource(resource);
      for (const [scope, list] of scopes) {
        w.tag(2, LENGTH_DELIMITED);
        const scopeSpans = w.begin();
        w.scope(scope);
        for (const span of list) this.#span(span);
        if (scope.schemaUrl) w.string(3, scope.schemaUrl);
        w.end(scopeSpans);
      }
      if (resource.schemaUrl) w.string(3, resource.schemaUrl);
      w.end(resourceSpans);
    }
    return w.finish();
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
    if (traceState) w.string(3, traceState);
    const parent = span.parentSpanContext;
    if (parent?.spanId) {
      w.tag(4, LENGTH_DELIMITED);
      w.hexId(parent.spanId);
    }
    w.string(5, span.name);
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
    if (span.attributes) w.attributes(9, span.attributes);
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
    if (span.status.message) w.string(2, span.status.message);
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
    w.string(2, event.name);
    if (event.attributes) w.attributes(3, event.attributes);
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
    if (traceState) w.string(3, traceState);
    if (link.attributes) w.attributes(4, link.attributes);
    w.tag(5, VARINT);
    w.varint(link.droppedAttributesCount || 0);
    w.tag(6, FIXED32);
    w.fixed32(flags(link.context, link.context.isRemote));
    w.end(start);
  }
}

/** W3C trace flags plus OTLP's "is the parent remote" bits. */
function flags(context: SpanContext, remote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | HAS_IS_REMOTE | (remote ? IS_REMOTE : 0);
}
