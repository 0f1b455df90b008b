/**
 * @module The one "skip locally, fail under CI" rule for tests that need an external tool
 * (nginx, curl, prometheus, promtool, setsid).
 */

/** Where a tool comes from and how to ask it for its version. */
export interface ToolOptions {
  /** An argument that makes the tool print its version and exit (`--version`, `-v`). */
  readonly versionArg: string;
  /** The Debian package CI installs it from, named in the CI error. */
  readonly aptPackage: string;
  /** Reads an environment variable (default `Deno.env.get`); tests inject `CI` through it. */
  readonly env?: (name: string) => string | undefined;
}

/**
 * Whether `tool` can run here. When it cannot: throws under `CI=true` (CI installs it, so a
 * missing tool is a broken install step that must not turn CI green), else prints
 * "skipped: <tool> not installed" on stderr and answers false.
 *
 * @throws {Error} "<tool> is not installed, and CI must run this test (apt <package>)" under CI.
 */
export async function toolInstalled(tool: string, options: ToolOptions): Promise<boolean> {
  try {
    await new Deno.Command(tool, { args: [options.versionArg], stdout: "null", stderr: "null" })
      .output();
    return true;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  if (env("CI") === "true") {
    throw new Error(
      `${tool} is not installed, and CI must run this test (apt ${options.aptPackage})`,
    );
  }
  Deno.stderr.writeSync(new TextEncoder().encode(`skipped: ${tool} not installed\n`));
  return false;
}
