/** @module Serves an in-process app on a loopback socket, for tests that drive a real browser. */

import type { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";

/** A listening app: its base URL, shut down on dispose. */
export interface ServedApp extends AsyncDisposable {
  readonly baseUrl: string;
  readonly port: number;
}

/** Serves `app` on 127.0.0.1 (a free port), as server.ts does: `Deno.serve` hands it the peer. */
export function serveApp(app: Hono<AppEnv>, hostname = "127.0.0.1"): ServedApp {
  const server = Deno.serve({ hostname, port: 0, onListen: () => {} }, app.fetch);
  const port = server.addr.port;
  return {
    baseUrl: `http://${hostname}:${port}`,
    port,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
