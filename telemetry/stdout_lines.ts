/**
 * @module Lines for stdout: written at once, or — the access records, one per request —
 * gathered for a few milliseconds and written together, one write instead of hundreds.
 */

/** How long an access line may wait for others before they are written together. */
const GATHER_MS = 5;
/** Gathered text that is written at once, whatever the time. */
const MAX_GATHERED_CHARS = 32_768;

const encoder = new TextEncoder();

/** The process's stdout, written whole (a pipe may take a line in several writes). */
export function writeStdout(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/**
 * Writes lines in the order they came: `now()` writes what was gathered and then its own line,
 * `later()` gathers; a timer (which never keeps the process alive) and the process's `unload`
 * write the rest, so a line waits at most GATHER_MS — or is lost with the process if it crashes.
 */
export class StdoutLines {
  readonly #write: (text: string) => void;
  #gathered: string[] = [];
  #chars = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(write: (text: string) => void = writeStdout) {
    this.#write = write;
  }

  /** Writes `line` now, after every line gathered before it. */
  now(line: string): void {
    this.flush();
    this.#write(line);
  }

  /** Gathers `line`; it is written within GATHER_MS, or sooner with the next `now()`. */
  later(line: string): void {
    this.#gathered.push(line);
    this.#chars += line.length;
    if (this.#chars >= MAX_GATHERED_CHARS) this.flush();
    else if (this.#timer === undefined) {
      const timer = setTimeout(() => this.flush(), GATHER_MS);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** Writes everything gathered. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#gathered.length === 0) return;
    const text = this.#gathered.join("");
    this.#gathered = [];
    this.#chars = 0;
    this.#write(text);
  }
}

let processStdout: StdoutLines | undefined;

/** The one StdoutLines of this process, made (and flushed at `unload`) on first use. */
export function processStdoutLines(): StdoutLines {
  if (processStdout === undefined) {
    const lines = new StdoutLines();
    globalThis.addEventListener("unload", () => lines.flush());
    processStdout = lines;
  }
  return processStdout;
}
