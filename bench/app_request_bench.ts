/**
 * @module `deno bench`: one `GET /board/10` through the real app's `app.request()` (built as
 * testing/test_app.ts testApp builds it, over `:memory:` with 300 posts), telemetry off and on
 * (spans into an in-memory exporter, emptied every 1,000 requests). Call-log rows are written
 * in batches of 100 inside the measured time, as the service writes them in batches.
 */

import { insertPosts } from "../db/sqlite/posts.ts";
import { type TestApp, testApp } from "../testing/test_app.ts";
import { benchPosts } from "./_bench_data.ts";

function withPosts(app: TestApp): TestApp {
  insertPosts(app.db, benchPosts(300));
  return app;
}

const plain = withPosts(await testApp({ demoData: false }));
const traced = withPosts(
  await testApp({ demoData: false, settings: { OTEL_SDK_DISABLED: "false" } }),
);

/** One request, its body read; every 100th call also writes the queued call-log rows. */
function requestBoard(app: TestApp): () => Promise<void> {
  let calls = 0;
  return async () => {
    const response = await app.request("/board/10");
    await response.text();
    if (response.status !== 200) throw new Error(`GET /board/10 answered ${response.status}`);
    calls++;
    if (calls % 100 === 0) await app.logApiWriter.flush();
    if (calls % 1000 === 0) (await app.finishedSpans()).length = 0;
  };
}

Deno.bench({
  name: "GET /board/10 via app.request(), telemetry off",
  group: "app.request",
  baseline: true,
  fn: requestBoard(plain),
});

Deno.bench({
  name: "GET /board/10 via app.request(), spans + metrics (in-memory exporter)",
  group: "app.request",
  fn: requestBoard(traced),
});
