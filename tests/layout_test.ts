/**
 * @module The layout rules the code keeps (STYLE.md, DESIGN §2): small files, one command line,
 * dependencies in one direction, and every worker embedded in the compiled binary.
 */

import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { ROOT } from "../testing/root.ts";

/** Folders that hold no product code. */
const NOT_PRODUCT = new Set(["tests", "testing", "bench", "deploy", "dist", "node_modules"]);

/** Every product source file (`.ts`/`.tsx` outside tests, helpers and benchmarks), relative. */
function productSources(dir = ROOT): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory) {
      if (dir === ROOT && NOT_PRODUCT.has(entry.name)) continue;
      files.push(...productSources(path));
    } else if (/\.tsx?$/.test(entry.name)) {
      files.push(relative(ROOT, path).replaceAll("\\", "/"));
    }
  }
  return files.sort();
}

/** Every `.ts` file under `dir` (relative to the root), for the checks on tests and benches. */
function sourcesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(join(ROOT, dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...sourcesUnder(path));
    else if (/\.tsx?$/.test(entry.name)) files.push(path);
  }
  return files;
}

function lineCount(file: string): number {
  return Deno.readTextFileSync(join(ROOT, file)).split("\n").length - 1;
}

/** The repository-relative files `file` imports by relative specifier. */
function localImports(file: string): string[] {
  const text = Deno.readTextFileSync(join(ROOT, file));
  const specifiers = [...text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)].map((m) =>
    m[1]!
  );
  return specifiers.map((s) => relative(ROOT, join(ROOT, dirname(file), s)).replaceAll("\\", "/"));
}

Deno.test("No product source file is over 450 lines, and main.ts stays the command line only", () => {
  const long = productSources().filter((file) => lineCount(file) > 450);
  assert.deepEqual(long, [], "split these files");
  assert.ok(lineCount("main.ts") <= 80, `main.ts has ${lineCount("main.ts")} lines`);
});

Deno.test("telemetry/ imports no route, service or database module", () => {
  const wrong = productSources().filter((file) => file.startsWith("telemetry/")).flatMap((file) =>
    localImports(file).filter((target) => /^(routes|services|db)\//.test(target))
      .map((target) => `${file} → ${target}`)
  );
  assert.deepEqual(wrong, []);
});

Deno.test("Routes, services and http/ see the store port only: no SQL module, no engine", () => {
  const wrong = productSources().filter((file) => /^(routes|services|http)\//.test(file)).flatMap(
    (file) =>
      localImports(file).filter((target) =>
        target === "db/database.ts" || /^db\/(sqlite|postgres)\//.test(target)
      )
        .map((target) => `${file} → ${target}`),
  );
  assert.deepEqual(wrong, []);
});

Deno.test("Only server.ts and compose.ts wire the service; the tests build it through compose.ts", () => {
  const wiring = productSources().filter((file) =>
    /\bcreateApp\(/.test(Deno.readTextFileSync(join(ROOT, file))) && file !== "app.ts"
  );
  assert.deepEqual(wiring, ["compose.ts"]);
  const helpers = Deno.readTextFileSync(join(ROOT, "testing/test_app.ts"));
  assert.match(helpers, /composeServices\(/);
  const rebuilt = ["tests", "testing", "bench"].flatMap((dir) => sourcesUnder(dir)).filter(
    (file) =>
      /\bcreateApp\(|\bcreateBoardService\(|\bcreateAccountsService\(/.test(
        Deno.readTextFileSync(join(ROOT, file)),
      ),
  );
  assert.deepEqual(rebuilt, [], "build the app through composeServices (testing/test_app.ts)");
});

Deno.test("Every Worker target is embedded by both compile tasks and type-checked by `deno task check`", () => {
  const tasks = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks;
  const targets = productSources().flatMap((file) => {
    const text = Deno.readTextFileSync(join(ROOT, file));
    return [...text.matchAll(/new Worker\(\s*new URL\(\s*"([^"]+)",\s*import\.meta\.url/g)]
      .map((m) => relative(ROOT, join(ROOT, dirname(file), m[1]!)).replaceAll("\\", "/"));
  });
  assert.ok(targets.length > 0, "the call-log writer runs on a worker");
  for (const target of targets) {
    for (const task of ["compile", "compile:windows"]) {
      assert.ok(tasks[task].split(/\s+/).includes(target), `${task} must --include ${target}`);
      assert.match(tasks[task], new RegExp(`--include ${target.replaceAll(".", "\\.")}(\\s|$)`));
    }
    assert.ok(tasks.check.split(/\s+/).includes(target), `check must name ${target}`);
  }
});
