/**
 * @module Sets `clientIp` (the socket peer, or the forwarded client behind a trusted proxy),
 * `origin` (the scheme, host and port the client used, per a trusted proxy's Forwarded /
 * X-Forwarded-* headers) and `https`.
 */

import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.ts";
import { resolveClientIp } from "./client_ip.ts";
import { resolveRequestOrigin } from "./request_origin.ts";
import { type CidrBlock, isTrusted, parseIpAddress } from "../lib/ip_address.ts";

/** Resolves the client address and origin once per request for logging, rate limits and spans. */
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
    const origin = resolveRequestOrigin(new URL(c.req.url), {
      forwarded: headers.get("forwarded"),
      forwardedProto: headers.get("x-forwarded-proto"),
      forwardedHost: headers.get("x-forwarded-host"),
      forwardedPort: headers.get("x-forwarded-port"),
    }, fromProxy);
    c.set("origin", origin);
    c.set("https", origin.scheme === "https");
    await next();
  };
}
