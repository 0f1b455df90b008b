/** @module Checks deploy/windows/: the WinSW service definition against the service's own settings, and the scripts. */

import assert from "node:assert/strict";
import { basename, join, win32 } from "node:path";
import { ROOT } from "../../testing/root.ts";
import { helpText, otelSettings } from "../../config/help.ts";
import { type Config, loadConfig } from "../../config/load.ts";
import { defaultDbPath } from "../../config/settings.ts";
import type { RuntimeFacts } from "../../config/types.ts";

const WINDOWS_DIR = join(ROOT, "deploy", "windows");
const INSTALL_DIR = "C:\\otel-board";
const COMPILED_WINDOWS: RuntimeFacts = {
  standalone: true,
  execPath: win32.join(INSTALL_DIR, "otel-board.exe"),
  os: "windows",
};
/** main.ts gives pending call-log rows this long (`audit.close(1000)`) between drain and flush. */
const AUDIT_CLOSE_S = 1;
/** Signals flushed one after another on stop, each bounded by TELEMETRY_FLUSH_TIMEOUT_MS. */
const FLUSHED_SIGNALS = 3;

/** One XML element: its attributes and its text (entities decoded, inner markup kept). */
interface XmlElement {
  readonly attributes: Readonly<Record<string, string>>;
  readonly text: string;
}

function decodeEntities(text: string): string {
  return text.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, name: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[name]!,
  );
}

/**
 * Every `<name …>…</name>` or `<name …/>` in `xml`, comments ignored. Enough for WinSW's flat
 * files (no CDATA, no same-name nesting); not a general XML parser.
 */
function elements(xml: string, name: string): XmlElement[] {
  const body = xml.replace(/<!--[\s\S]*?-->/g, "");
  const pattern = new RegExp(
    `<${name}((?:\\s+[\\w:.-]+\\s*=\\s*"[^"]*")*)\\s*(?:/>|>([\\s\\S]*?)</${name}>)`,
    "g",
  );
  return [...body.matchAll(pattern)].map((match) => {
    const attributes: Record<string, string> = {};
    for (const attr of match[1]!.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) {
      attributes[attr[1]!] = decodeEntities(attr[2]!);
    }
    return { attributes, text: decodeEntities((match[2] ?? "").trim()) };
  });
}

/** The text of the one `<name>` element; fails the test when there is not exactly one. */
function single(xml: string, name: string): string {
  const found = elements(xml, name);
  assert.equal(found.length, 1, `expected exactly one <${name}>, found ${found.length}`);
  return found[0]!.text;
}

/** A WinSW duration ("40 sec", "10sec", "1 min", "500 ms") in seconds. */
function winswSeconds(text: string): number {
  const match = text.trim().match(/^(\d+)\s*(ms|secs?|mins?|hours?|days?)$/);
  assert.ok(match, `expected a WinSW duration with a unit such as "40 sec", got "${text}"`);
  const perUnit: Record<string, number> = { ms: 0.001, sec: 1, min: 60, hour: 3600, day: 86400 };
  return Number(match[1]) * perUnit[match[2]!.replace(/s$/, "").replace(/^m$/, "ms")]!;
}

function readServiceXml(): string {
  return Deno.readTextFileSync(join(WINDOWS_DIR, "otel-board.xml"));
}

/** The service's environment as WinSW would pass it, with %BASE% expanded. */
function serviceEnv(xml: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { attributes } of elements(xml, "env")) {
    assert.ok(attributes.name !== undefined && attributes.value !== undefined);
    assert.ok(!Object.hasOwn(env, attributes.name), `${attributes.name} is set twice`);
    env[attributes.name] = attributes.value.replaceAll("%BASE%", INSTALL_DIR);
  }
  return env;
}

function serve(env: Record<string, string>): Config {
  const startup = loadConfig(env, [], COMPILED_WINDOWS);
  if (startup.action !== "serve") throw new Error(`expected to serve, got ${startup.action}`);
  return startup.config;
}

/** Worst-case seconds from a stop signal to exit: drain, call-log rows, then each signal's flush. */
function worstCaseStopSeconds(config: Config): number {
  return config.server.shutdownTimeoutMs / 1000 + AUDIT_CLOSE_S +
    FLUSHED_SIGNALS * config.telemetry.flushTimeoutMs / 1000;
}

Deno.test("the WinSW definition names the service otel-board and runs otel-board.exe from its folder", () => {
  const xml = readServiceXml();
  assert.match(xml.replace(/<!--[\s\S]*?-->/g, "").trim(), /^<service>[\s\S]*<\/service>$/);
  assert.equal(single(xml, "id"), "otel-board");
  assert.ok(single(xml, "name").length > 0);
  assert.ok(single(xml, "description").length > 0);
  assert.equal(single(xml, "executable"), "%BASE%\\otel-board.exe");
  assert.equal(single(xml, "workingdirectory"), "%BASE%");
  assert.equal(single(xml, "startmode"), "Automatic");
  assert.deepEqual(elements(xml, "depend"), []);
});

Deno.test("the executable is the file `deno task compile:windows` writes", () => {
  const denoJson = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  const task: string = denoJson.tasks["compile:windows"];
  const output = task.match(/--output[= ](\S+)/)?.[1];
  assert.ok(output !== undefined, `no --output in: ${task}`);
  assert.equal(win32.basename(single(readServiceXml(), "executable")), basename(output));
});

Deno.test("WinSW waits longer for a graceful stop than the service's own worst case", () => {
  const xml = readServiceXml();
  assert.equal(single(xml, "stopparentprocessfirst"), "true");
  const stopTimeoutS = winswSeconds(single(xml, "stoptimeout"));
  const defaults = serve({});
  assert.equal(worstCaseStopSeconds(defaults), 10 + 1 + 3 * 5);
  // The bound of the settings the XML actually gives the service (defaults unless it sets them).
  const configured = serve(serviceEnv(xml));
  const worstCaseS = Math.max(worstCaseStopSeconds(defaults), worstCaseStopSeconds(configured));
  assert.ok(
    stopTimeoutS > worstCaseS,
    `stoptimeout ${stopTimeoutS} s must exceed the worst-case stop of ${worstCaseS} s`,
  );
});

Deno.test("every <env> of the service is a setting otel-board reads", () => {
  const known = new Set(otelSettings().map((setting) => setting.env));
  for (const line of helpText().split("\n")) {
    const name = line.match(/^ {2}([A-Z][A-Z0-9_]*)(=|$)/)?.[1];
    if (name !== undefined) known.add(name);
  }
  assert.ok(known.has("PORT") && known.has("OTEL_EXPORTER_OTLP_ENDPOINT"));
  const names = Object.keys(serviceEnv(readServiceXml()));
  assert.ok(names.length > 0);
  for (const name of names) assert.ok(known.has(name), `${name} is not an otel-board setting`);
});

Deno.test("the service's environment is accepted by otel-board's config", () => {
  const env = serviceEnv(readServiceXml());
  for (const [name, value] of Object.entries(env)) {
    // WinSW leaves unknown %VARS% as they are; none should be left to reach the service.
    assert.doesNotMatch(value, /%[A-Za-z_]+%/, `${name}=${value}`);
  }
  const config = serve(env);
  assert.equal(config.server.port, 5000);
  assert.equal(
    config.server.host,
    "127.0.0.1",
    "the service sits behind nginx on the same machine",
  );
  assert.equal(config.telemetry.serviceName, "otel-board");
  assert.equal(config.telemetry.resourceAttributes.job, "otel-board", "the seed's job label");
});

Deno.test("DB_PATH in the XML is where the compiled Windows binary puts its database anyway", () => {
  const expected = "C:\\otel-board\\otel-board.db";
  assert.equal(defaultDbPath(COMPILED_WINDOWS), expected);
  assert.equal(
    defaultDbPath({ standalone: true, execPath: "D:\\apps\\board\\otel-board.exe", os: "windows" }),
    "D:\\apps\\board\\otel-board.db",
  );
  assert.equal(serviceEnv(readServiceXml()).DB_PATH, expected);
});

Deno.test("WinSW rolls the service's logs by size and restarts it after a crash", () => {
  const xml = readServiceXml();
  const [log] = elements(xml, "log");
  assert.equal(log?.attributes.mode, "roll-by-size");
  assert.ok(Number(single(log!.text, "sizeThreshold")) > 0);
  assert.ok(Number(single(log!.text, "keepFiles")) > 0);
  const [failure] = elements(xml, "onfailure");
  assert.equal(failure?.attributes.action, "restart");
  assert.ok(winswSeconds(failure!.attributes.delay ?? "") > 0);
});

for (const script of ["install.ps1", "uninstall.ps1"]) {
  Deno.test(`${script} stops at the first error and needs an administrator`, () => {
    const text = Deno.readTextFileSync(join(WINDOWS_DIR, script));
    assert.match(text, /^Set-StrictMode -Version Latest$/m);
    assert.match(text, /^\$ErrorActionPreference = 'Stop'$/m);
    assert.match(text, /^#Requires -RunAsAdministrator$/m);
    assert.match(text, /^\.SYNOPSIS$/m);
    assert.match(text, /otel-board-service\.exe/);
  });
}

Deno.test("install.ps1 restricts the service folder to Administrators and SYSTEM before the service starts", () => {
  const text = Deno.readTextFileSync(join(WINDOWS_DIR, "install.ps1"));
  const lines = text.split("\n");
  const restrict = lines.findIndex((line) =>
    /^& icacls\.exe \$InstallDir .*\/inheritance:r/.test(line)
  );
  assert.ok(restrict !== -1, "no icacls line removing inherited entries from $InstallDir");
  // Exactly the two well-known SIDs are granted: BUILTIN\Administrators and LocalSystem.
  const granted = [...lines[restrict]!.matchAll(/'\*(S-[0-9-]+):\(OI\)\(CI\)F'/g)].map((m) => m[1]);
  assert.deepEqual(granted.sort(), ["S-1-5-18", "S-1-5-32-544"]);
  assert.match(lines[restrict]!, /\/grant:r /);
  assert.match(
    lines[restrict + 1]!,
    /LASTEXITCODE -ne 0.*throw/,
    "a failed icacls stops the script",
  );
  // The service, which writes the password file, is installed and started only after that.
  const install = lines.findIndex((line) => /^& \$wrapper install/.test(line));
  const start = lines.findIndex((line) => /^Start-Service/.test(line));
  assert.ok(restrict < install && install < start, `${restrict} ${install} ${start}`);
  // The service runs as LocalSystem: the XML names no other account the ACL would shut out.
  assert.deepEqual(elements(readServiceXml(), "serviceaccount"), []);
});
