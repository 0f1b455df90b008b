/** @module Resolution of the real client IP address behind trusted reverse proxies. */

import { type CidrBlock, type IpAddress, isTrusted, parseIpAddress } from "../lib/ip_address.ts";

/** The forwarding headers of a request, `null` when absent. */
export interface ForwardingHeaders {
  readonly forwardedFor: string | null;
  readonly realIp: string | null;
}

/** Longest peer text returned as-is when the peer is not a parsable IP address. */
const MAX_PEER_TEXT_LENGTH = 45;

/** Longest hop (address plus brackets and port) worth parsing. */
const MAX_HOP_LENGTH = 64;

function isPort(text: string): boolean {
  if (text.length === 0 || text.length > 5) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(text) <= 65535;
}

/** Parses one forwarding hop, which may carry brackets and a port ("[::1]:443", "1.2.3.4:80"). */
function parseHop(hop: string): IpAddress | undefined {
  const value = hop.trim();
  if (value === "" || value.length > MAX_HOP_LENGTH) return undefined;
  if (value.startsWith("[")) {
    const close = value.indexOf("]");
    if (close === -1) return undefined;
    const rest = value.slice(close + 1);
    if (rest !== "" && !(rest.startsWith(":") && isPort(rest.slice(1)))) return undefined;
    return parseIpAddress(value.slice(0, close + 1));
  }
  const colon = value.indexOf(":");
  if (colon !== -1 && colon === value.lastIndexOf(":")) {
    if (!isPort(value.slice(colon + 1))) return undefined;
    return parseIpAddress(value.slice(0, colon));
  }
  return parseIpAddress(value);
}

function resolveForwardedFor(
  forwardedFor: string,
  peer: IpAddress,
  trustedProxies: readonly CidrBlock[],
): IpAddress {
  let nearest = peer;
  let end = forwardedFor.length;
  while (true) {
    const comma = end > 0 ? forwardedFor.lastIndexOf(",", end - 1) : -1;
    const hop = parseHop(forwardedFor.slice(comma + 1, end));
    if (hop === undefined) return nearest;
    if (!isTrusted(hop, trustedProxies)) return hop;
    nearest = hop;
    if (comma === -1) return nearest;
    end = comma;
  }
}

/**
 * Returns the canonical client IP: the socket peer, or, when the peer is a trusted proxy, the
 * right-most untrusted X-Forwarded-For hop (falling back to X-Real-IP when there is no
 * X-Forwarded-For).
 */
export function resolveClientIp(
  peer: string | undefined,
  headers: ForwardingHeaders,
  trustedProxies: readonly CidrBlock[],
): string | null {
  const peerIp = peer === undefined ? undefined : parseIpAddress(peer);
  if (peerIp === undefined) {
    const peerText = typeof peer === "string" ? peer.trim() : "";
    return peerText !== "" && peerText.length <= MAX_PEER_TEXT_LENGTH ? peerText : null;
  }
  if (!isTrusted(peerIp, trustedProxies)) return peerIp.text;
  const { forwardedFor, realIp } = headers;
  if (forwardedFor !== null && forwardedFor.trim() !== "") {
    return resolveForwardedFor(forwardedFor, peerIp, trustedProxies).text;
  }
  if (realIp !== null) return (parseHop(realIp) ?? peerIp).text;
  return peerIp.text;
}
