/** @module Tests for toolInstalled: a tool that runs, and a missing one with and without CI. */

import assert from "node:assert/strict";
import { toolInstalled } from "./tools.ts";

const MISSING = "otel-board-no-such-tool";
const OPTIONS = { versionArg: "--version", aptPackage: "otel-board-pkg" };
const TOOLS_URL = new URL("./tools.ts", import.meta.url).href;

/** Runs `toolInstalled(MISSING)` in a child Deno with `env` and reports what it did. */
async function inChild(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const call = `toolInstalled(${JSON.stringify(MISSING)}, ${JSON.stringify(OPTIONS)})`;
  const script = `import { toolInstalled } from ${JSON.stringify(TOOLS_URL)};
    try { console.log("answered", await ${call}); }
    catch (error) { console.log("threw", error.message); }`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    env: { PATH: Deno.env.get("PATH") ?? "", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

Deno.test("toolInstalled answers true for a tool that runs (deno itself)", async () => {
  assert.equal(await toolInstalled(Deno.execPath(), OPTIONS), true);
});

Deno.test("A missing tool outside CI is skipped: false, and a line on stderr naming it", async () => {
  const { stdout, stderr } = await inChild({});
  assert.equal(stdout.trim(), "answered false");
  assert.equal(stderr, `skipped: ${MISSING} not installed\n`);
});

Deno.test("A missing tool under CI=true throws, naming the tool and its apt package", async () => {
  const { stdout, stderr } = await inChild({ CI: "true" });
  assert.equal(
    stdout.trim(),
    `threw ${MISSING} is not installed, and CI must run this test (apt otel-board-pkg)`,
  );
  assert.equal(stderr, "");
});

Deno.test("CI is read through the injected env", async () => {
  await assert.rejects(
    toolInstalled(MISSING, { ...OPTIONS, env: (name) => (name === "CI" ? "true" : undefined) }),
    { message: `${MISSING} is not installed, and CI must run this test (apt otel-board-pkg)` },
  );
});
