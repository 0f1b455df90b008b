/** @module `GET /metrics`: Prometheus text exposition of the service's metrics (never logged). */

import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";

/** The Prometheus text format's content type. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** `GET /metrics`, answering what `render` collects at that moment. */
export function metricsRoutes(render: () => Promise<string>): Hono<AppEnv> {
  return new Hono<AppEnv>().get(
    "/metrics",
    async (c) => c.body(await render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );
}
