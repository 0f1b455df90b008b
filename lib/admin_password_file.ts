/**
 * @module The file a generated admin password is handed over in (never stdout or a log line):
 * `<database file>.admin-password.txt` unless ADMIN_PASSWORD_FILE names another, owner-only.
 */

import { dirname, join } from "node:path";

/** The suffix of the default password file's name, after the database file's own name. */
export const ADMIN_PASSWORD_FILE_SUFFIX = ".admin-password.txt";

/**
 * Where a generated admin password is written: `passwordFile` when set, else beside the
 * database file; undefined for an in-memory database without `passwordFile` (nowhere sensible
 * to put it: such a database needs ADMIN_PASSWORD).
 */
export function adminPasswordPath(
  dbPath: string,
  passwordFile: string | undefined,
): string | undefined {
  if (passwordFile !== undefined) return passwordFile;
  return dbPath === ":memory:" ? undefined : `${dbPath}${ADMIN_PASSWORD_FILE_SUFFIX}`;
}

/** A password file written under a temporary name beside its place, not yet in it. */
export interface StagedPasswordFile {
  /** Renames the file into its place (over an older one). */
  commit(): void;
  /** Removes the temporary file: nothing changed. */
  discard(): void;
}

/** Who the password is for, and who wrote it. */
export interface PasswordFileContent {
  readonly username: string;
  readonly password: string;
  /** Shown in the file: "the first start", "reset-admin-password". */
  readonly what: string;
}

/**
 * Writes `password` for `username` beside `path` under a temporary name, readable by the
 * file's owner only on POSIX (mode 0600; on Windows the folder's ACL decides, see the README).
 * Renamed over `path` only by `commit`, so an older file with wider permissions is never
 * filled with the new password, and a caller can change the password between the two steps.
 */
export function stageAdminPasswordFile(
  path: string,
  content: PasswordFileContent,
): StagedPasswordFile {
  const temporary = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  const text = [
    `otel-board: the password of "${content.username}", written by ${content.what} ` +
    `at ${new Date().toISOString()}.`,
    "Sign in with it, then delete this file (PUT /me/password changes the password).",
    "",
    `username: ${content.username}`,
    `password: ${content.password}`,
    "",
  ].join("\n");
  const discard = () => {
    try {
      Deno.removeSync(temporary);
    } catch {
      // Never created, or already renamed.
    }
  };
  try {
    Deno.writeTextFileSync(temporary, text, { createNew: true, mode: 0o600 });
    // The mode above passes through the umask, which can only narrow it; set it exactly.
    if (Deno.build.os !== "windows") Deno.chmodSync(temporary, 0o600);
  } catch (error) {
    discard();
    throw error;
  }
  return {
    commit() {
      try {
        Deno.renameSync(temporary, path);
      } catch (error) {
        discard();
        throw error;
      }
    },
    discard,
  };
}

/** Writes the password file at once (see {@linkcode stageAdminPasswordFile}). */
export function writeAdminPasswordFile(path: string, content: PasswordFileContent): void {
  stageAdminPasswordFile(path, content).commit();
}
