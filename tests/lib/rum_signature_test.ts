/** @module Tests of the page-context signature: what it covers, its age window, and its key. */

import assert from "node:assert/strict";
import { type IssuedContext, RumSigner } from "../../lib/rum_signature.ts";

const KEY = new Uint8Array(32).fill(7);
const NOW = 1_800_000_000_000;
const ISSUED: IssuedContext = {
  traceparent: `00-${"4b".repeat(16)}-${"00f067aa0ba902b7"}-01`,
  path: "/posts/7",
  issuedAtMs: NOW - 1000,
};
const WINDOW = { maxAgeMs: 600_000, nowMs: NOW };

Deno.test("A signature verifies for the same context under the same key, on any instance", () => {
  const signature = new RumSigner(KEY).sign(ISSUED);
  assert.match(signature, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(new RumSigner(KEY).verify(ISSUED, signature, WINDOW), undefined);
  assert.equal(
    new RumSigner(new Uint8Array(32).fill(8)).verify(ISSUED, signature, WINDOW),
    "bad_signature",
  );
});

Deno.test("Changing any part the signature covers breaks it", () => {
  const signer = new RumSigner(KEY);
  const signature = signer.sign(ISSUED);
  const changed: IssuedContext[] = [
    { ...ISSUED, traceparent: ISSUED.traceparent.replace("4b4b", "4b4c") },
    { ...ISSUED, traceparent: ISSUED.traceparent.replace("00f0", "00f1") },
    { ...ISSUED, traceparent: ISSUED.traceparent.replace(/-01$/, "-00") },
    { ...ISSUED, path: "/posts/8" },
    { ...ISSUED, issuedAtMs: ISSUED.issuedAtMs + 1 },
  ];
  for (const context of changed) {
    assert.equal(
      signer.verify(context, signature, WINDOW),
      "bad_signature",
      JSON.stringify(context),
    );
  }
  assert.equal(signer.verify(ISSUED, signature.slice(0, -1), WINDOW), "bad_signature");
  assert.equal(signer.verify(ISSUED, "", WINDOW), "bad_signature");
});

Deno.test("A context is accepted up to its maximum age and a minute into the future", () => {
  const signer = new RumSigner(KEY);
  const at = (issuedAtMs: number) => {
    const context = { ...ISSUED, issuedAtMs };
    return signer.verify(context, signer.sign(context), WINDOW);
  };
  assert.equal(at(NOW - 600_000), undefined);
  assert.equal(at(NOW - 600_001), "expired");
  assert.equal(at(NOW + 60_000), undefined, "another instance's clock may be ahead");
  assert.equal(at(NOW + 60_001), "expired");
});

Deno.test("Without a key each signer makes its own; a short key is refused", () => {
  const one = new RumSigner();
  const two = new RumSigner();
  assert.equal(one.generated, true);
  assert.equal(new RumSigner(KEY).generated, false);
  assert.equal(two.verify(ISSUED, one.sign(ISSUED), WINDOW), "bad_signature");
  assert.throws(() => new RumSigner(new Uint8Array(31)), /at least 32 bytes/);
});
