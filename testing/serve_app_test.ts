/** @module Tests of serveApp: the app answers over a real socket and stops on dispose. */

import assert from "node:assert/strict";
import { serveApp } from "./serve_app.ts";
import { testApp } from "./test_app.ts";

Deno.test("serveApp answers the app's routes over a loopback socket", async () => {
  await using t = await testApp();
  await using served = serveApp(t.app);
  const response = await fetch(`${served.baseUrl}/healthz`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: "ok" });
});
