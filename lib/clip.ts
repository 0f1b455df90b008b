/** @module Shortening user input before an error message echoes it. */

/** Shortens user input before echoing it in an error message. */
export function clip(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
