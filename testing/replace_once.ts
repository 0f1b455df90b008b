/** @module Exact substitutions in a shipped file, so a changed file fails loudly. */

/**
 * Replaces the one occurrence of `from` in `text`; `where` names the text in the error.
 *
 * @throws {Error} when `from` occurs zero or several times, so a changed file fails loudly
 * instead of being tested unaltered.
 */
export function replaceOnce(text: string, from: string, to: string, where = "the text"): string {
  const count = text.split(from).length - 1;
  if (count !== 1) {
    throw new Error(
      `Cannot substitute ${JSON.stringify(from)} in ${where}: found ${count} times, expected 1`,
    );
  }
  return text.replace(from, () => to);
}
