/** @module Tests for the origin (scheme, host, port) read from a trusted proxy's forwarding headers. */

import assert from "node:assert/strict";
import { type OriginHeaders, resolveRequestOrigin } from "../../http/request_origin.ts";

const NONE: OriginHeaders = {
  forwarded: null,
  forwardedProto: null,
  forwardedHost: null,
  forwardedPort: null,
};
const URL_8080 = new URL("http://10.0.0.5:8080/board/1");

function origin(headers: Partial<OriginHeaders>, trusted = true, url = URL_8080) {
  return resolveRequestOrigin(url, { ...NONE, ...headers }, trusted);
}

Deno.test("Without forwarding headers the origin is the request's own, default ports filled in", () => {
  assert.deepEqual(origin({}), { scheme: "http", host: "10.0.0.5", port: 8080 });
  assert.deepEqual(origin({}, true, new URL("http://localhost/x")), {
    scheme: "http",
    host: "localhost",
    port: 80,
  });
  assert.deepEqual(origin({}, false, new URL("https://[::1]/x")), {
    scheme: "https",
    host: "::1",
    port: 443,
  });
});

Deno.test("An untrusted peer's forwarding headers are all ignored", () => {
  const forged = {
    forwarded: "proto=https;host=evil.example:444",
    forwardedProto: "https",
    forwardedHost: "evil.example",
    forwardedPort: "444",
  };
  assert.deepEqual(origin(forged, false), { scheme: "http", host: "10.0.0.5", port: 8080 });
});

Deno.test("X-Forwarded-Proto/-Host/-Port from a trusted proxy name the origin", () => {
  assert.deepEqual(
    origin({ forwardedProto: "https", forwardedHost: "board.example", forwardedPort: "8443" }),
    { scheme: "https", host: "board.example", port: 8443 },
  );
  assert.deepEqual(origin({ forwardedProto: "HTTPS", forwardedHost: "Board.Example" }), {
    scheme: "https",
    host: "board.example",
    port: 443,
  }, "no port: the scheme's default");
  assert.deepEqual(origin({ forwardedHost: "board.example:9000" }), {
    scheme: "http",
    host: "board.example",
    port: 9000,
  }, "a port in X-Forwarded-Host counts when there is no X-Forwarded-Port");
  assert.deepEqual(origin({ forwardedProto: "https", forwardedPort: "443" }), {
    scheme: "https",
    host: "10.0.0.5",
    port: 443,
  }, "no X-Forwarded-Host: the Host header, with the forwarded port");
});

Deno.test("Forwarded wins over X-Forwarded-*, field by field, and its nearest element counts", () => {
  assert.deepEqual(
    origin({
      forwarded: 'for=192.0.2.60;proto=https;host="board.example:8443"',
      forwardedProto: "http",
      forwardedHost: "other.example",
      forwardedPort: "81",
    }),
    { scheme: "https", host: "board.example", port: 8443 },
  );
  assert.deepEqual(
    origin({ forwarded: "for=192.0.2.60;proto=http, for=198.51.100.1;Proto=https;Host=b.example" }),
    { scheme: "https", host: "b.example", port: 443 },
    "the last element is the one the trusted peer added",
  );
  assert.deepEqual(
    origin({ forwarded: "for=192.0.2.60;proto=https", forwardedHost: "board.example" }),
    { scheme: "https", host: "board.example", port: 443 },
    "Forwarded without host: X-Forwarded-Host names the host",
  );
  assert.deepEqual(origin({ forwarded: 'for="[2001:db8::1]:4711";host="[2001:db8::2]:8443"' }), {
    scheme: "http",
    host: "2001:db8::2",
    port: 8443,
  });
});

Deno.test("Malformed forwarding values are ignored and the next source is used", () => {
  assert.deepEqual(
    origin({
      forwarded: 'proto=gopher;host="unterminated',
      forwardedProto: "ftp",
      forwardedHost: "bad host",
      forwardedPort: "99999",
    }),
    { scheme: "http", host: "10.0.0.5", port: 8080 },
  );
  assert.deepEqual(origin({ forwardedHost: "board.example:0x50" }), {
    scheme: "http",
    host: "10.0.0.5",
    port: 8080,
  });
  assert.deepEqual(origin({ forwarded: "proto=https;host=" }), {
    scheme: "https",
    host: "10.0.0.5",
    port: 8080,
  });
  assert.deepEqual(origin({ forwardedProto: "x".repeat(5000) + ",https" }).scheme, "http");
});
