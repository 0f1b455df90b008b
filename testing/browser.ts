/**
 * @module A real headless Chromium for tests (Debian's `chromium`, driven by playwright-core),
 * under the "skip locally, fail under CI" rule; the pages' tests reuse it.
 */

import fs from "node:fs";
import type { Browser } from "playwright-core";
import { toolInstalled } from "./tools.ts";

/** Where Debian's package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * A headless Chromium, closed on dispose; undefined (after "skipped: chromium not installed")
 * where there is none — under CI=true that throws instead.
 */
export async function launchChromium(): Promise<(Browser & AsyncDisposable) | undefined> {
  const tool = { versionArg: "--version", aptPackage: "chromium" };
  if (!await toolInstalled(CHROMIUM_PATH, tool)) return undefined;
  const { chromium } = await importPlaywright();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Tests run as root in a container, where Chromium's sandbox cannot start.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}

/** The paths playwright-core probes at load time to detect WSL. */
const WSL_PROBES = new Set(["/proc/sys/fs/binfmt_misc/WSLInterop", "/run/WSL"]);

/**
 * Loads playwright-core. At load time it asks `existsSync("/proc/sys/fs/binfmt_misc/WSLInterop")`,
 * and Deno answers a read under /proc/sys only with --allow-all (NotCapable otherwise, even with
 * --allow-read) — which the test task never grants. These tests run on Linux machines that are
 * not WSL, so those two probes answer false; every other call goes to the real existsSync.
 */
async function importPlaywright(): Promise<typeof import("playwright-core")> {
  const existsSync = fs.existsSync;
  fs.existsSync = (path) => WSL_PROBES.has(String(path)) ? false : existsSync(path);
  try {
    return await import("playwright-core");
  } finally {
    fs.existsSync = existsSync;
  }
}
