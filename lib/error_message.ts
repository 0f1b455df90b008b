/** @module The message of a thrown value, whatever was thrown. */

/** The `message` of an `Error`; any other thrown value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
