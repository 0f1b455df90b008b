/** @module Tests for resolving the client IP behind trusted reverse proxies. */

import assert from "node:assert/strict";
import { type ForwardingHeaders, resolveClientIp } from "../../http/client_ip.ts";
import { parseCidrList } from "../../lib/ip_address.ts";

const LOOPBACK = parseCidrList("127.0.0.1/32, ::1/128");
const PROXIES = parseCidrList("127.0.0.1/32, ::1/128, 10.0.0.0/8, fd00::/8");

function headers(forwardedFor: string | null, realIp: string | null = null): ForwardingHeaders {
  return { forwardedFor, realIp };
}

const NONE = headers(null);

Deno.test("resolveClientIp returns the peer when no proxy is trusted", () => {
  assert.equal(resolveClientIp("203.0.113.7", NONE, []), "203.0.113.7");
  assert.equal(resolveClientIp("203.0.113.7", headers("1.1.1.1", "2.2.2.2"), []), "203.0.113.7");
  assert.equal(resolveClientIp("2001:DB8::0001", NONE, []), "2001:db8::1");
});

Deno.test("resolveClientIp ignores forged headers from an untrusted peer", () => {
  const cases: [string, ForwardingHeaders][] = [
    ["203.0.113.7", headers("127.0.0.1")],
    ["203.0.113.7", headers("1.2.3.4, 10.0.0.1")],
    ["203.0.113.7", headers(null, "127.0.0.1")],
    ["203.0.113.7", headers("garbage", "also garbage")],
    ["2001:db8::7", headers("::1", "::1")],
  ];
  for (const [peer, forwarded] of cases) {
    assert.equal(resolveClientIp(peer, forwarded, PROXIES), peer, JSON.stringify(forwarded));
  }
});

Deno.test("resolveClientIp uses the single X-Forwarded-For hop from a trusted peer", () => {
  assert.equal(resolveClientIp("127.0.0.1", headers("203.0.113.7"), LOOPBACK), "203.0.113.7");
  assert.equal(resolveClientIp("127.0.0.1", headers(" 203.0.113.7 "), LOOPBACK), "203.0.113.7");
  assert.equal(resolveClientIp("::1", headers("2001:db8::7"), LOOPBACK), "2001:db8::7");
});

Deno.test("resolveClientIp skips trusted proxies from right to left", () => {
  const cases: [string, string][] = [
    ["203.0.113.7, 10.0.0.2", "203.0.113.7"],
    ["203.0.113.7, 10.0.0.3, 10.0.0.2", "203.0.113.7"],
    ["198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"],
    ["6.6.6.6, 203.0.113.7, 10.0.0.3, fd00::2", "203.0.113.7"],
    ["203.0.113.7,10.0.0.3,10.0.0.2", "203.0.113.7"],
    ["203.0.113.7 ,  10.0.0.2", "203.0.113.7"],
    ["2001:db8::7, fd00::1", "2001:db8::7"],
  ];
  for (const [xff, expected] of cases) {
    assert.equal(resolveClientIp("10.0.0.1", headers(xff), PROXIES), expected, xff);
  }
});

Deno.test("resolveClientIp returns the left-most hop when every hop is trusted", () => {
  assert.equal(resolveClientIp("10.0.0.1", headers("10.0.0.9, 10.0.0.2"), PROXIES), "10.0.0.9");
  assert.equal(resolveClientIp("127.0.0.1", headers("127.0.0.1"), PROXIES), "127.0.0.1");
  assert.equal(resolveClientIp("::1", headers("fd00::9, ::1"), PROXIES), "fd00::9");
});

Deno.test("resolveClientIp stops at a garbage hop and uses the nearest valid address to its right", () => {
  const cases: [string, string][] = [
    ["unknown", "10.0.0.1"],
    ["203.0.113.7, unknown", "10.0.0.1"],
    ["203.0.113.7, 10.0.0.3, unknown", "10.0.0.1"],
    ["203.0.113.7, unknown, 10.0.0.3", "10.0.0.3"],
    ["203.0.113.7, , 10.0.0.3", "10.0.0.3"],
    ["203.0.113.7, 10.0.0.4, not-an-ip, 10.0.0.3, 10.0.0.2", "10.0.0.3"],
    ["unknown, 203.0.113.7", "203.0.113.7"],
    ["203.0.113.7,", "10.0.0.1"],
    [",", "10.0.0.1"],
    ["<script>alert(1)</script>", "10.0.0.1"],
    ["01.2.3.4", "10.0.0.1"],
    ["fe80::1%eth0", "10.0.0.1"],
    ["1.2.3.4:notaport", "10.0.0.1"],
    ["1.2.3.4:99999", "10.0.0.1"],
    ["[2001:db8::1]:", "10.0.0.1"],
    ["[2001:db8::1]x", "10.0.0.1"],
    ["[1.2.3.4]:80", "10.0.0.1"],
    ["x".repeat(10_000), "10.0.0.1"],
  ];
  for (const [xff, expected] of cases) {
    assert.equal(resolveClientIp("10.0.0.1", headers(xff), PROXIES), expected, xff);
  }
});

Deno.test("resolveClientIp strips ports and brackets from hops", () => {
  const cases: [string, string][] = [
    ["203.0.113.7:5678", "203.0.113.7"],
    ["203.0.113.7:0", "203.0.113.7"],
    ["203.0.113.7:65535", "203.0.113.7"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["[2001:DB8::1]", "2001:db8::1"],
    ["2001:db8::1", "2001:db8::1"],
    ["2001:db8::1:443", "2001:db8::1:443"],
    ["203.0.113.7:1234, 10.0.0.2:80", "203.0.113.7"],
    ["[2001:db8::1]:443, [fd00::1]:8443", "2001:db8::1"],
    ["[::ffff:203.0.113.7]:80", "203.0.113.7"],
  ];
  for (const [xff, expected] of cases) {
    assert.equal(resolveClientIp("10.0.0.1", headers(xff), PROXIES), expected, xff);
  }
});

Deno.test("resolveClientIp falls back to X-Real-IP only when X-Forwarded-For is absent", () => {
  const cases: [ForwardingHeaders, string][] = [
    [headers(null, "203.0.113.7"), "203.0.113.7"],
    [headers(null, " 203.0.113.7 "), "203.0.113.7"],
    [headers(null, "[2001:db8::7]:443"), "2001:db8::7"],
    [headers(null, "::ffff:203.0.113.7"), "203.0.113.7"],
    [headers("", "203.0.113.7"), "203.0.113.7"],
    [headers("  ", "203.0.113.7"), "203.0.113.7"],
    [headers(null, "garbage"), "127.0.0.1"],
    [headers(null, ""), "127.0.0.1"],
    [headers("198.51.100.1", "203.0.113.7"), "198.51.100.1"],
    [headers(null, null), "127.0.0.1"],
  ];
  for (const [forwarded, expected] of cases) {
    assert.equal(
      resolveClientIp("127.0.0.1", forwarded, LOOPBACK),
      expected,
      JSON.stringify(forwarded),
    );
  }
});

Deno.test("resolveClientIp trusts an IPv6 loopback peer", () => {
  assert.equal(resolveClientIp("::1", headers("203.0.113.7"), LOOPBACK), "203.0.113.7");
  assert.equal(resolveClientIp("[::1]", headers("203.0.113.7"), LOOPBACK), "203.0.113.7");
  assert.equal(
    resolveClientIp("0:0:0:0:0:0:0:1", headers(null, "2001:db8::9"), LOOPBACK),
    "2001:db8::9",
  );
  assert.equal(resolveClientIp("::2", headers("203.0.113.7"), LOOPBACK), "::2");
});

Deno.test("resolveClientIp trusts an IPv4-mapped peer through its IPv4 block", () => {
  const trusted = parseCidrList("127.0.0.1/32");
  assert.equal(resolveClientIp("::ffff:127.0.0.1", headers("203.0.113.7"), trusted), "203.0.113.7");
  assert.equal(resolveClientIp("::ffff:127.0.0.1", NONE, trusted), "127.0.0.1");
  assert.equal(resolveClientIp("::ffff:10.0.0.1", NONE, []), "10.0.0.1");
  assert.equal(
    resolveClientIp("127.0.0.1", headers("::ffff:203.0.113.7, ::ffff:127.0.0.1"), trusted),
    "203.0.113.7",
  );
});

Deno.test("resolveClientIp returns short unparsable peer text as-is and never trusts its headers", () => {
  assert.equal(resolveClientIp(undefined, headers("203.0.113.7"), PROXIES), null);
  assert.equal(resolveClientIp("", headers("203.0.113.7"), PROXIES), null);
  assert.equal(resolveClientIp("   ", NONE, PROXIES), null);
  assert.equal(resolveClientIp("some-peer", headers("203.0.113.7"), PROXIES), "some-peer");
  assert.equal(resolveClientIp("x".repeat(45), NONE, PROXIES), "x".repeat(45));
  assert.equal(resolveClientIp("x".repeat(46), NONE, PROXIES), null);
  assert.equal(resolveClientIp("x".repeat(100_000), NONE, PROXIES), null);
});

Deno.test("resolveClientIp handles a 1000-hop X-Forwarded-For quickly and correctly", () => {
  const trustedHops = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 0xff}.2`);
  const start = performance.now();

  const withClient = ["203.0.113.7", ...trustedHops].join(", ");
  assert.equal(resolveClientIp("10.0.0.1", headers(withClient), PROXIES), "203.0.113.7");

  const allTrusted = trustedHops.join(", ");
  assert.equal(resolveClientIp("10.0.0.1", headers(allTrusted), PROXIES), "10.0.0.2");

  const untrustedOnRight = [...trustedHops, "198.51.100.1"].join(",");
  assert.equal(resolveClientIp("10.0.0.1", headers(untrustedOnRight), PROXIES), "198.51.100.1");

  const garbageInMiddle = [...trustedHops.slice(0, 500), "unknown", ...trustedHops.slice(500)]
    .join(", ");
  assert.equal(resolveClientIp("10.0.0.1", headers(garbageInMiddle), PROXIES), "10.1.244.2");

  const manyCommas = ",".repeat(100_000) + "203.0.113.7";
  assert.equal(resolveClientIp("10.0.0.1", headers(manyCommas), PROXIES), "203.0.113.7");

  const manyClients = Array.from({ length: 100_000 }, () => "203.0.113.7").join(", ");
  assert.equal(resolveClientIp("10.0.0.1", headers(manyClients), PROXIES), "203.0.113.7");

  for (let i = 0; i < 100; i++) resolveClientIp("10.0.0.1", headers(allTrusted), PROXIES);
  assert.ok(performance.now() - start < 1000, "resolution of long headers took too long");
});

Deno.test("resolveClientIp accepts several X-Forwarded-For header values joined with a comma", () => {
  const joined = ["203.0.113.7, 10.0.0.3", "10.0.0.2"].join(", ");
  assert.equal(resolveClientIp("10.0.0.1", headers(joined), PROXIES), "203.0.113.7");
});
