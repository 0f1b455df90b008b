/** @module Tests for the command line: flags, --help and --version, unknown arguments. */

import assert from "node:assert/strict";
import { loadConfig } from "../../config/load.ts";
import { configError, LINUX_DEV } from "./_load.ts";

Deno.test({
  name: "--help and -h ask for the help text, even with invalid settings",
  fn() {
    assert.deepEqual(loadConfig({}, ["--help"], LINUX_DEV), { action: "help" });
    assert.deepEqual(loadConfig({}, ["-h"], LINUX_DEV), { action: "help" });
    assert.deepEqual(loadConfig({ PORT: "abc" }, ["--help"], LINUX_DEV), { action: "help" });
    assert.deepEqual(loadConfig({}, ["--port", "6000", "--help"], LINUX_DEV), {
      action: "help",
    });
  },
});

Deno.test({
  name: "--version asks for the version text, even with invalid settings",
  fn() {
    assert.deepEqual(loadConfig({}, ["--version"], LINUX_DEV), { action: "version" });
    assert.deepEqual(loadConfig({ LOG_LEVEL: "loud" }, ["--version"], LINUX_DEV), {
      action: "version",
    });
  },
});

Deno.test({
  name: "an invalid PORT is refused with a message naming PORT and the bad value",
  fn() {
    for (const bad of ["abc", "70000", "65536", "-1", "1.5", " 5000", "5e3", "0x10"]) {
      const message = configError({ PORT: bad });
      assert.match(message, /\bPORT\b/, message);
      assert.ok(message.includes(`"${bad}"`), message);
    }
  },
});

Deno.test({
  name: "an invalid --port is refused with a message naming the flag, not the variable",
  fn() {
    for (const args of [["--port", "abc"], ["--port=70000"], ["--port", "-1"], ["--port=1.5"]]) {
      const message = configError({ PORT: "6000" }, args);
      assert.ok(message.startsWith("--port"), message);
      assert.doesNotMatch(message, /\bPORT\b/, message);
      const bad = args.length === 2 ? args[1]! : args[0]!.slice("--port=".length);
      assert.ok(message.includes(`"${bad}"`), message);
    }
  },
});

Deno.test({
  name: "an unknown flag is refused with a message naming it",
  fn() {
    const message = configError({}, ["--prot", "6000"]);
    assert.ok(message.includes("--prot"), message);
    assert.ok(configError({}, ["--prot=6000"]).includes("--prot=6000"));
    assert.ok(configError({}, ["serve"]).includes("serve"));
  },
});

Deno.test({
  name: "a flag without a value is refused with a message naming the flag",
  fn() {
    for (const flag of ["--port", "--host", "--db"]) {
      const message = configError({}, [flag]);
      assert.ok(message.includes(flag), message);
      assert.match(message, /needs a value/, message);
    }
  },
});

Deno.test({
  name: "a flag given twice is refused with a message naming the flag",
  fn() {
    for (const args of [["--port", "1", "--port", "2"], ["--port=1", "--port", "1"]]) {
      const message = configError({}, args);
      assert.ok(message.includes("--port"), message);
      assert.match(message, /more than once/, message);
    }
  },
});
