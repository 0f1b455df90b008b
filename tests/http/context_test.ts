/** @module Tests for the request context contract and for what http/ may import. */

import { Hono } from "hono";
import assert from "node:assert/strict";
import { join } from "node:path";
import { type AppEnv, type AppVariables, requestContext } from "../../http/context.ts";
import { ROOT } from "../../testing/root.ts";

Deno.test("Behind requestContext every context variable is set, to 'nothing known yet'", async () => {
  // Written as a Record of every key, so a variable added to AppVariables must be added here.
  const every: Record<keyof AppVariables, true> = {
    clientIp: true,
    userId: true,
    user: true,
    sessionToken: true,
    origin: true,
    https: true,
    traceId: true,
    failure: true,
  };
  const app = new Hono<AppEnv>().use(requestContext()).get("/", (c) => {
    const seen = Object.keys(every).map((name) => [name, c.get(name as keyof AppVariables)]);
    return c.json(Object.fromEntries(seen));
  });
  const values: Record<string, unknown> = await (await app.request("/")).json();
  assert.deepEqual(Object.keys(values).sort(), Object.keys(every).sort(), "none is undefined");
  for (const [name, value] of Object.entries(values)) {
    assert.ok(value === null || value === false, `${name} = ${JSON.stringify(value)}`);
  }
});

Deno.test("http/ calls no telemetry function: from telemetry/ it imports the Logger type only", () => {
  const offending: string[] = [];
  for (const entry of Deno.readDirSync(join(ROOT, "http"))) {
    if (!entry.name.endsWith(".ts")) continue;
    const source = Deno.readTextFileSync(join(ROOT, "http", entry.name));
    for (const match of source.matchAll(/^import[^;]*?from "([^"]+)";/gms)) {
      const statement = match[0];
      if (!match[1]!.includes("telemetry/") && !match[1]!.startsWith("@opentelemetry/")) continue;
      if (!/^import type \{ Logger \} from "\.\.\/telemetry\/log\.ts";$/.test(statement)) {
        offending.push(`${entry.name}: ${statement}`);
      }
    }
  }
  assert.deepEqual(offending, []);
});
