/** @module Tests for freePort: the port it answers can be listened on. */

import assert from "node:assert/strict";
import { freePort } from "./free_port.ts";

Deno.test("freePort answers a port on 127.0.0.1 that a listener can take", () => {
  const port = freePort();
  assert.ok(port > 0 && port < 65536);
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  listener.close();
});
