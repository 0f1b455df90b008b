/** @module Liveness and readiness probes (never written to log_api). */

import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";
import { ApiError } from "../http/problem.ts";

/** What readiness depends on. */
export interface Readiness {
  /** True once shutdown has begun: load balancers should stop sending traffic. */
  draining(): boolean;
  /** Rejects when the database does not answer. */
  checkDatabase(): Promise<void>;
}

/** Seconds a client should wait before retrying a 503. */
const RETRY_AFTER_SECONDS = "5";

/** `GET /healthz` (the process is alive) and `GET /readyz` (it can serve traffic). */
export function healthRoutes(readiness: Readiness): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      if (readiness.draining()) {
        throw new ApiError("not_ready", "The service is shutting down", {
          "retry-after": RETRY_AFTER_SECONDS,
        });
      }
      try {
        await readiness.checkDatabase();
      } catch {
        throw new ApiError("not_ready", "The database does not answer", {
          "retry-after": RETRY_AFTER_SECONDS,
        });
      }
      return c.json({ status: "ready" });
    });
}
