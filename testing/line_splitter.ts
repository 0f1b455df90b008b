/** @module Splitting a text stream into lines, for reading a child process's output. */

/** A stream that turns text chunks into lines (without their `\n`); a last unterminated line too. */
export function lineSplitter(): TransformStream<string, string> {
  let buffer = "";
  return new TransformStream({
    transform(chunk, controller) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const part of parts) controller.enqueue(part);
    },
    flush(controller) {
      if (buffer !== "") controller.enqueue(buffer);
    },
  });
}
