/** @module Reading an RFC 9457 problem answer in a test. */

/** Asserts-friendly reading of a problem answer. */
export async function problemOf(response: Response): Promise<Record<string, unknown>> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("application/problem+json")) {
    throw new Error(`Expected application/problem+json, got "${type}": ${await response.text()}`);
  }
  return await response.json();
}
