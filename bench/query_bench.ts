/**
 * @module `deno bench`: `selectPostsBefore` (the query behind GET /board/{n} and GET /board)
 * on a migrated `:memory:` database with 300 posts — its cached prepared statement, plain
 * and through instrumentDatabase (one CLIENT span per execution, no-op exporter).
 */

import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { insertPosts, selectPostsBefore } from "../db/sqlite/posts.ts";
import { instrumentDatabase } from "../telemetry/db_telemetry.ts";
import { memoryDb } from "../testing/memory_db.ts";
import { benchPosts, noopSpanExporter } from "./_bench_data.ts";

const { db } = memoryDb();
insertPosts(db, benchPosts(300));
const tracer = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(noopSpanExporter())],
}).getTracer("bench");
const traced = instrumentDatabase(db, tracer, { databaseDup: false });
const NEWEST = Number.MAX_SAFE_INTEGER;

Deno.bench({
  name: "selectPostsBefore: latest 10",
  group: "query",
  baseline: true,
  fn() {
    selectPostsBefore(db, NEWEST, 10);
  },
});

Deno.bench({
  name: "selectPostsBefore: a page of 101",
  group: "query",
  fn() {
    selectPostsBefore(db, NEWEST, 101);
  },
});

Deno.bench({
  name: "selectPostsBefore: latest 10 with its CLIENT span",
  group: "query",
  // Async, so the batch processor's exports settle between iterations.
  // deno-lint-ignore require-await
  async fn() {
    selectPostsBefore(traced, NEWEST, 10);
  },
});
