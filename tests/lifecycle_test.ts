/** @module Tests for the process lifecycle: which signals stop the service on each OS. */

import assert from "node:assert/strict";
import { stopSignals } from "../lifecycle.ts";

Deno.test("On Linux and macOS, SIGINT and SIGTERM stop the service; SIGHUP is left alone", () => {
  assert.deepEqual(stopSignals("linux"), ["SIGINT", "SIGTERM"]);
  assert.deepEqual(stopSignals("darwin"), ["SIGINT", "SIGTERM"]);
});

Deno.test("On Windows, Ctrl+C, Ctrl+Break, closing the console and SIGTERM stop the service", () => {
  assert.deepEqual(stopSignals("windows"), ["SIGINT", "SIGBREAK", "SIGHUP", "SIGTERM"]);
});
