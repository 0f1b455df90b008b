/** @module Data and no-op telemetry shared by the `deno bench` micro-benchmarks. */

import { ExportResultCode } from "@opentelemetry/core";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { NewPost } from "../db/store.ts";

/** `count` posts shaped like the macro benchmark's (~330 bytes of JSON each), oldest first. */
export function benchPosts(count: number): NewPost[] {
  const start = Date.parse("2026-11-01T00:00:00.000Z");
  return Array.from({ length: count }, (_, i) => ({
    title: `Post ${i + 1} about telemetry`,
    content: "otel board trace span metric log sqlite deno hono batch queue export collector "
      .repeat(3).trim(),
    createDate: new Date(start + i * 60_000).toISOString(),
    authorId: null,
  }));
}

/** The attributes otel-board puts on a SERVER span for `GET /board/10`. */
export const SERVER_ATTRIBUTES = Object.freeze({
  "http.request.method": "GET",
  "url.path": "/board/10",
  "url.scheme": "http",
  "http.route": "/board/:count",
  "client.address": "127.0.0.1",
  "user_agent.original": "wrk",
  "server.address": "127.0.0.1",
  "server.port": 5000,
  "network.protocol.version": "1.1",
});

/** A span exporter that accepts everything at once and keeps nothing. */
export function noopSpanExporter(): SpanExporter {
  return {
    export(_spans, done) {
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
}
