/**
 * @module Tests that README.ko.md, the Korean quick start, names only what exists: every task is
 * in deno.json, every command is one main.ts runs, every setting is in the settings tables,
 * every flag is in the help of the command it is given to; and that it covers the core set.
 */

import assert from "node:assert/strict";
import { otelSettings, serviceSettings } from "../config/help.ts";
import { COMMANDS } from "../main.ts";
import { runMain } from "../testing/server_process.ts";
import { tempDir } from "../testing/temp_dir.ts";

const root = new URL("../", import.meta.url);
const KOREAN = await Deno.readTextFile(new URL("README.ko.md", root));
const ENGLISH = await Deno.readTextFile(new URL("README.md", root));
const TASKS = Object.keys(
  (JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
    tasks: Record<string, string>;
  }).tasks,
);
const COMMAND_NAMES = COMMANDS.map((command) => command.name);
const SETTING_NAMES = [...serviceSettings(), ...otelSettings()].map((setting) => setting.env);

/** Every `deno task <task> [<command>]` and `otel-board <command>` the text names. */
function invocations(text: string): { task?: string; command?: string }[] {
  const found: { task?: string; command?: string }[] = [];
  for (const match of text.matchAll(/deno(?:@[\d.]+)? task ([a-z][a-z:-]*)(?: ([a-z][a-z-]*))?/g)) {
    const task = match[1]!;
    found.push(task === "start" && match[2] !== undefined ? { task, command: match[2] } : { task });
  }
  for (const match of text.matchAll(/otel-board(?:\.exe)? ([a-z][a-z-]+)/g)) {
    found.push({ command: match[1]! });
  }
  return found;
}

/** Every upper-case name in backticks or in a code block, such as `DB_PATH` or `PORT=5000`. */
function settingNames(text: string): string[] {
  const names = new Set<string>();
  for (
    const match of text.matchAll(
      /(?<![A-Za-z0-9_$])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|PORT|HOST)(?=[`=, )]|$)/gm,
    )
  ) {
    names.add(match[1]!);
  }
  return [...names];
}

Deno.test("every task and command README.ko.md names exists", () => {
  const named = invocations(KOREAN);
  assert.ok(named.length > 0);
  for (const { task, command } of named) {
    if (task !== undefined) assert.ok(TASKS.includes(task), `deno.json has no task "${task}"`);
    if (command !== undefined) {
      assert.ok(COMMAND_NAMES.includes(command), `main.ts has no command "${command}"`);
    }
  }
});

Deno.test("every setting README.ko.md names is in the settings tables", () => {
  const named = settingNames(KOREAN);
  assert.ok(named.length > 5);
  for (const name of named) {
    assert.ok(SETTING_NAMES.includes(name), `README.ko.md names "${name}", which is no setting`);
  }
});

Deno.test("README.ko.md covers the core set, and README.md links it at the top", () => {
  for (
    const core of ["deno task start", "deno task test", "import-flask", "reset-admin-password"]
  ) {
    assert.ok(KOREAN.includes(core), `README.ko.md does not name ${core}`);
  }
  for (const setting of ["DB_PATH", "PORT", "OTEL_EXPORTER_OTLP_ENDPOINT", "ADMIN_USERNAME"]) {
    assert.ok(settingNames(KOREAN).includes(setting), `README.ko.md does not name ${setting}`);
  }
  const top = ENGLISH.split("\n").slice(0, 4).join("\n");
  assert.match(top, /\]\(README\.ko\.md\)/);
  assert.match(KOREAN.split("\n").slice(0, 4).join("\n"), /\]\(README\.md\)/);
});

Deno.test("every flag README.ko.md gives a command is in that command's --help", async () => {
  const given = [...KOREAN.matchAll(/task start ([a-z][a-z-]*)((?: [^\s#]+)*)/g)];
  assert.ok(given.length > 0);
  await using dir = await tempDir();
  {
    const helps = new Map<string, string>();
    for (const [, command, rest] of given) {
      const flags = (rest ?? "").split(" ").filter((word) => word.startsWith("--"));
      if (flags.length === 0) continue;
      if (!helps.has(command!)) {
        const result = await runMain([command!, "--help"], {}, dir.path);
        assert.equal(result.code, 0, result.stderr);
        helps.set(command!, result.stdout);
      }
      for (const flag of flags) {
        assert.ok(helps.get(command!)!.includes(flag), `${command} --help does not name ${flag}`);
      }
    }
  }
});
