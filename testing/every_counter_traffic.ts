/**
 * @module Requests that move every metric otel-board registers: reads, a 404, a registration,
 * a good and a bad sign-in, and a post created, replaced and deleted; and a real otel-board's
 * OTLP export of all three signals after them.
 */

import type { ReceivedLog, ReceivedMetric, ReceivedSpan } from "./otlp_decode.ts";
import { allSignalsTo, startOtlpReceiver } from "./otlp_receiver.ts";
import { beaconBody, beaconRequest, issuedPage } from "./rum_beacon.ts";
import { startServer } from "./server_process.ts";
import { tempDir } from "./temp_dir.ts";

/** Sends one request to the service under test (a real server's `fetch`, or an in-process one). */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** A `Send` for a server listening at `baseUrl`. */
export function sendTo(baseUrl: string): Send {
  return (path, init) => fetch(`${baseUrl}${path}`, init);
}

async function expectStatus(send: Send, status: number, path: string, init?: RequestInit) {
  const response = await send(path, init);
  const body = await response.text();
  if (response.status !== status) {
    const method = init?.method ?? "GET";
    throw new Error(`${method} ${path} answered ${response.status}, not ${status}: ${body}`);
  }
  return body;
}

function json(method: string, body: unknown, token?: string): RequestInit {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return { method, headers, body: JSON.stringify(body) };
}

/**
 * Serves the requests that make every business counter, both HTTP metrics, the DB histogram
 * (transaction statements included) and a page's browser spans record a point; throws if one is
 * not answered as expected. Registers `username` with `password`.
 */
export async function exerciseEveryCounter(
  send: Send,
  { username = "dashboard_user", password = "correct horse battery staple" } = {},
): Promise<void> {
  for (let i = 0; i < 3; i++) await expectStatus(send, 200, "/board/5");
  await expectStatus(send, 404, "/no-such-page");
  // A page and its timing beacon: browser.page_load and app.rum.beacons (telemetry must be on).
  const page = issuedPage(await expectStatus(send, 200, "/"), "/");
  await expectStatus(send, 204, "/rum", beaconRequest(beaconBody(page)));
  await expectStatus(send, 201, "/register", json("POST", { username, password }));
  await expectStatus(send, 401, "/login", json("POST", { username, password: `${password}!` }));
  const { token } = JSON.parse(
    await expectStatus(send, 200, "/login", json("POST", { username, password })),
  ) as { token: string };
  const created = JSON.parse(
    await expectStatus(send, 201, "/board", json("POST", { title: "Hello", content: "Hi" }, token)),
  ) as { seq: number };
  const post = `/board/posts/${created.seq}`;
  await expectStatus(send, 200, post, json("PUT", { title: "Hello", content: "Again" }, token));
  await expectStatus(send, 204, post, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
}

/** What one run of {@link exportAfterEveryCounter} exported. */
export interface ExportedSignals {
  /** The points of the first metric export sent after the traffic (every series, once). */
  readonly metrics: ReceivedMetric[];
  readonly spans: ReceivedSpan[];
  readonly logs: ReceivedLog[];
}

/**
 * Starts otel-board (with `env`) exporting every signal to an independent OTLP receiver, serves
 * {@link exerciseEveryCounter}'s requests, stops it, and answers what it exported.
 */
export async function exportAfterEveryCounter(
  env: Readonly<Record<string, string>> = {},
): Promise<ExportedSignals> {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(allSignalsTo(receiver.url, env), dir.path);
  await exerciseEveryCounter(sendTo(server.baseUrl));
  // Call-log rows are written in batches just after the answers; then two more exports, so
  // the last one holds everything the traffic moved.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const seen = receiver.requests.filter((r) => r.signal === "metrics").length;
  const last = await receiver.waitFor(() => {
    const exports = receiver.requests.filter((r) => r.signal === "metrics" && r.accepted);
    return exports.length >= seen + 2 ? exports.at(-1) : undefined;
  }, { what: "two metric exports after the traffic" });
  const stopped = await server.stop();
  if (stopped.code !== 0) throw new Error(`otel-board exited ${stopped.code}: ${stopped.stderr}`);
  return { metrics: [...last.metrics], spans: receiver.spans(), logs: receiver.logs() };
}
