/**
 * @module Sets `clientIp` (the socket peer, or the forwarded client behind a trusted proxy)
 * and `https` (the scheme the client used, per X-Forwarded-Proto from a trusted proxy).
 */

import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.ts";
import { resolveClientIp } from "./client_ip.ts";
import { type CidrBlock, isTrusted, parseIpAddress } from "../lib/ip_address.ts";

/** Resolves the client address once per request for logging, rate limits and spans. */
export function clientIp(trustedProxies: readonly CidrBlock[]): MiddlewareHandler<AppEnv> {
  return async function clientIp(c, next) {
    const headers = c.req.raw.headers;
    const peer = c.env?.remoteAddr?.hostname;
    c.set(
      "clientIp",
      resolveClientIp(peer, {
        forwardedFor: headers.get("x-forwarded-for"),
        realIp: headers.get("x-real-ip"),
      }, trustedProxies),
    );
    const peerAddress = peer === undefined ? undefined : parseIpAddress(peer);
    const fromProxy = peerAddress !== undefined && isTrusted(peerAddress, trustedProxies);
    c.set(
      "https",
      c.req.url.startsWith("https:") ||
        (fromProxy && headers.get("x-forwarded-proto")?.trim().toLowerCase() === "https"),
    );
    await next();
  };
}
