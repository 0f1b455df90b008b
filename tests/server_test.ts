/**
 * @module runService's stop handling, driven through an injected signal source and clock: a
 * signal delivered twice is one drain; a later one exits at once, with the queued rows written.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../config/load.ts";
import { DUPLICATE_SIGNAL_WINDOW_MS, StopRequests } from "../lib/stop_signals.ts";
import { runService } from "../server.ts";
import { logRowsInFile } from "../testing/log_api_rows.ts";
import { fakeSignals } from "../testing/signals.ts";
import { tempDir } from "../testing/temp_dir.ts";

/** runService on a file database, its log lines kept, its exits recorded instead of taken. */
async function startInProcess(dbPath: string) {
  const startup = loadConfig({
    PORT: "0",
    DB_PATH: dbPath,
    OTEL_SDK_DISABLED: "true",
    ADMIN_PASSWORD: "test-admin-password",
    // Rows wait in memory: only the stop handling can have written them.
    LOG_API_FLUSH_MS: "10000",
  }, []);
  if (startup.action !== "serve") throw new Error("expected settings to serve");
  const signals = fakeSignals();
  const stops = new StopRequests({ os: "linux", source: signals.source, now: signals.now });
  const lines: string[] = [];
  const exits: { code: number; rowsWritten: number }[] = [];
  const { promise: listening, resolve: listened } = Promise.withResolvers<number>();
  const finished = runService(startup.config, {
    stops,
    exit: (code) => exits.push({ code, rowsWritten: logRowsInFile(dbPath).length }),
    writeLog: (line) => {
      lines.push(line);
      const port = /Listening on http:\/\/\S*?:(\d+)/.exec(line)?.[1];
      if (port !== undefined) listened(Number(port));
    },
  });
  const port = await Promise.race([listening, finished.then(() => 0)]);
  const messages = () => lines.map((line) => JSON.parse(line).msg as string);
  return { signals, stops, exits, finished, messages, baseUrl: `http://127.0.0.1:${port}` };
}

async function answerRequests(baseUrl: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${baseUrl}/board/${i + 1}`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
}

Deno.test("The same stop signal delivered twice at once drains once and exits normally", async () => {
  await using dir = await tempDir();
  const dbPath = join(dir.path, "board.db");
  const service = await startInProcess(dbPath);
  using _stops = service.stops;
  await answerRequests(service.baseUrl, 5);
  service.signals.fire("SIGTERM");
  service.signals.advance(0.05);
  service.signals.fire("SIGTERM");
  await service.finished;
  const messages = service.messages();
  assert.equal(messages.filter((m) => m.startsWith("Stopping")).length, 1);
  assert.equal(messages.filter((m) => m === "Stopped").length, 1);
  assert.ok(!messages.some((m) => m.startsWith("Second stop signal")));
  assert.deepEqual(service.exits, []);
  assert.equal(logRowsInFile(dbPath).length, 5);
});

Deno.test("A stop signal after the duplicate window exits at once, the queued rows written first", async () => {
  await using dir = await tempDir();
  const dbPath = join(dir.path, "board.db");
  const service = await startInProcess(dbPath);
  using _stops = service.stops;
  // Long enough for the call-log worker to be running: rows would otherwise go to it.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await answerRequests(service.baseUrl, 4);
  service.signals.fire("SIGINT");
  service.signals.advance(DUPLICATE_SIGNAL_WINDOW_MS + 1);
  service.signals.fire("SIGINT");
  for (let i = 0; i < 100 && service.exits.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(service.exits, [{ code: 1, rowsWritten: 4 }]);
  assert.ok(service.messages().some((m) => m.startsWith("Second stop signal")));
  // The recorded exit did not end this process: the drain goes on and writes no row twice.
  await service.finished;
  assert.equal(logRowsInFile(dbPath).length, 4);
});
