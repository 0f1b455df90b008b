/**
 * @module `GET /metrics`: the service's metrics as Prometheus text, or as OpenMetrics (with
 * the request-duration exemplars) when the scraper prefers that (never logged).
 */

import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";
import type { ExpositionFormat } from "../telemetry/metrics.ts";
import { OPENMETRICS_CONTENT_TYPE } from "../telemetry/openmetrics.ts";

/** The Prometheus text format's content type. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** `GET /metrics`, answering what `render` collects at that moment, in the format asked for. */
export function metricsRoutes(
  render: (format: ExpositionFormat) => Promise<string>,
): Hono<AppEnv> {
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    const format = preferredFormat(c.req.header("accept"));
    const contentType = format === "openmetrics"
      ? OPENMETRICS_CONTENT_TYPE
      : PROMETHEUS_CONTENT_TYPE;
    return c.body(await render(format), 200, { "content-type": contentType });
  });
}

/**
 * OpenMetrics when `accept` ranks `application/openmetrics-text` above every other type
 * (the first listed wins a tie), as Prometheus asks by default; else the plain text format.
 */
export function preferredFormat(accept: string | undefined): ExpositionFormat {
  let best: { type: string; q: number } | undefined;
  for (const range of (accept ?? "").split(",")) {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const qParam = params.find((param) => param.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (type !== "" && Number.isFinite(q) && q > 0 && (best === undefined || q > best.q)) {
      best = { type, q };
    }
  }
  return best?.type === "application/openmetrics-text" ? "openmetrics" : "prometheus";
}
