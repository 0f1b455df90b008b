/** @module Sets `clientIp` on the context: the socket peer, or the forwarded client behind a trusted proxy. */

import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app_env.ts";
import { resolveClientIp } from "./client_ip.ts";
import type { CidrBlock } from "./ip_address.ts";

/** Resolves the client address once per request for logging, rate limits and spans. */
export function clientIp(trustedProxies: readonly CidrBlock[]): MiddlewareHandler<AppEnv> {
  return async function clientIp(c, next) {
    const headers = c.req.raw.headers;
    c.set(
      "clientIp",
      resolveClientIp(c.env?.remoteAddr?.hostname, {
        forwardedFor: headers.get("x-forwarded-for"),
        realIp: headers.get("x-real-ip"),
      }, trustedProxies),
    );
    c.set("userId", null);
    c.set("traceId", null);
    await next();
  };
}
