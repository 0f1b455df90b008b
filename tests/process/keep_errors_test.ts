/**
 * @module TRACES_KEEP_ERRORS through a real server process and the repo's independent OTLP
 * receiver: at ratio 0 a 503 (the database held locked past busy_timeout by another connection)
 * arrives with all its spans flagged sampled, successful requests send nothing; without it ratio
 * 0 sends nothing at all.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { allSignalsTo, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { poll } from "../../testing/poll.ts";
import { type ServerProcess, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const RATIO_ZERO = {
  OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
  OTEL_TRACES_SAMPLER_ARG: "0",
};

/** The first admin's token, once the service has created it (just after it listens). */
function signIn(server: ServerProcess): Promise<string> {
  return poll(async () => {
    const login = await fetch(`${server.baseUrl}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "test-admin-password" }),
    });
    return login.ok ? (await login.json()).token as string : void await login.body?.cancel();
  }, { what: "the first admin's sign-in" });
}

/** GET /board/5 twice, then POST /board while another connection holds the write lock. */
async function requests(server: ServerProcess, dbFile: string) {
  const token = await signIn(server);
  const ok: string[] = [];
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${server.baseUrl}/board/5`);
    await response.body?.cancel();
    assert.equal(response.status, 200);
    ok.push(response.headers.get("x-trace-id")!);
  }
  const other = new DatabaseSync(dbFile);
  other.exec("BEGIN IMMEDIATE");
  let locked: Response;
  try {
    locked = await fetch(`${server.baseUrl}/board`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Locked", content: "The database is held by another writer" }),
    });
    await locked.body?.cancel();
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  assert.equal(locked.status, 503);
  assert.equal(locked.headers.get("traceparent"), null, "no trace context is answered");
  return { ok, locked: locked.headers.get("x-trace-id")! };
}

Deno.test("TRACES_KEEP_ERRORS=true at ratio 0 exports the 503's whole trace flagged sampled and nothing of the 200s; off, ratio 0 exports nothing", async () => {
  await using dir = await tempDir();
  const run = async (keepErrors: boolean) => {
    const cwd = join(dir.path, String(keepErrors));
    Deno.mkdirSync(cwd);
    await using receiver = await startOtlpReceiver();
    const settings = keepErrors ? { ...RATIO_ZERO, TRACES_KEEP_ERRORS: "true" } : RATIO_ZERO;
    await using server = await startServer(allSignalsTo(receiver.url, settings), cwd);
    const traces = await requests(server, join(cwd, "otel-board.db"));
    const stopped = await server.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
    const access = receiver.logs().find((l) =>
      l.traceId === traces.locked && l.attributes["http.response.status_code"] === 503
    );
    return { traces, spans: receiver.spans(), access };
  };
  const [kept, off] = await Promise.all([run(true), run(false)]);

  const { traces, spans: all, access } = kept;
  assert.deepEqual(
    [...new Set(all.filter((s) => s.kind === "SERVER").map((s) => s.traceId))],
    [traces.locked],
    "of the requests, only the 503's trace (the x-trace-id it answered): no 200, no sign-in",
  );
  // A call-log batch that met the lock fails too, and is rightly kept as its own trace.
  for (const root of all.filter((s) => s.parentSpanId === "" && s.traceId !== traces.locked)) {
    assert.equal(root.status.code, "ERROR", `${root.name} was kept because it failed`);
  }
  const spans = all.filter((s) => s.traceId === traces.locked);
  const byName = new Map(spans.map((s) => [s.name, s]));
  const server = byName.get("POST /board");
  assert.ok(server, `a SERVER span among ${[...byName.keys()].join(", ")}`);
  assert.equal(server.kind, "SERVER");
  assert.equal(server.status.code, "ERROR");
  assert.equal(server.attributes["http.response.status_code"], 503);
  assert.equal(server.parentSpanId, "");
  const service = byName.get("board.create");
  assert.ok(service, "the function span");
  assert.equal(service.parentSpanId, server.spanId);
  const begin = byName.get("BEGIN");
  assert.ok(begin, "the DB span of the refused BEGIN");
  assert.equal(begin.kind, "CLIENT");
  assert.equal(begin.parentSpanId, service.spanId);
  assert.equal(begin.attributes["error.type"], "SQLITE_BUSY");
  for (const span of all) {
    assert.equal(span.flags & 0xff, 1, `${span.name} carries the sampled flag`);
    assert.ok(
      span.parentSpanId === "" || all.some((p) => p.spanId === span.parentSpanId),
      `${span.name}'s parent is exported too`,
    );
  }
  assert.ok(access, "the 503's access record");
  assert.equal(access.flags & 0xff, 0, "while it ran, the trace context said sampled=0");
  assert.ok(traces.ok.every((id) => /^[0-9a-f]{32}$/.test(id)), "200s answer their trace id");

  assert.deepEqual(off.spans, [], "ratio 0 without TRACES_KEEP_ERRORS exports no span at all");
  assert.ok(off.access, "its 503 was logged, so the run did export");
});
