/**
 * @module Stop signals: which signals mean "stop" on each operating system, and the one
 * listener per signal that turns them into a stop request (and, later, a forced exit).
 */

/** A signal this service treats as a request to stop gracefully. */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGBREAK" | "SIGHUP";

/**
 * How long after the first stop signal another one still counts as the same request. Ctrl+C
 * in a terminal and systemd's `KillMode=control-group` signal the whole process group, so the
 * server gets the signal itself and again, microseconds later, from `deno task` forwarding it.
 */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1000;

/**
 * The stop signals for `os`: SIGINT and SIGTERM everywhere; on Windows also SIGBREAK
 * (Ctrl+Break, and what service wrappers send) and SIGHUP (console window closed).
 * SIGHUP is left alone elsewhere, where it conventionally means "reload", not "stop".
 */
export function stopSignals(os: typeof Deno.build.os): StopSignal[] {
  return os === "windows" ? ["SIGINT", "SIGBREAK", "SIGHUP", "SIGTERM"] : ["SIGINT", "SIGTERM"];
}

/** Where signals come from: the process (`processSignals`) or, in tests, a fake. */
export interface SignalSource {
  /** Calls `handler` on every delivery of `signal`; returns a function that stops listening. */
  listen(signal: StopSignal, handler: () => void): () => void;
}

/** The process's own signals (`Deno.addSignalListener`). */
export const processSignals: SignalSource = {
  listen(signal, handler) {
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  },
};

/** How `StopRequests` listens. */
export interface StopRequestsOptions {
  /** The operating system, which decides the signals (default: this one). */
  readonly os?: typeof Deno.build.os;
  readonly source?: SignalSource;
  /** Milliseconds since some fixed point (default `performance.now`). */
  readonly now?: () => number;
  readonly duplicateWindowMs?: number;
}

/**
 * One listener per stop signal, installed once and kept until disposed (at exit), so no
 * delivery ever finds the default action. The first signal resolves `requested`; any stop
 * signal within `duplicateWindowMs` of it is the same request; a later one is an operator
 * asking to exit now, and goes to the handler given to `onForce`.
 */
export class StopRequests implements Disposable {
  /** Resolves with the first stop signal. */
  readonly requested: Promise<StopSignal>;
  #resolve!: (signal: StopSignal) => void;
  #firstAt: number | undefined;
  #force: ((signal: StopSignal) => void | Promise<void>) | undefined;
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #unlisten: (() => void)[];

  constructor(options: StopRequestsOptions = {}) {
    this.requested = new Promise((resolve) => this.#resolve = resolve);
    this.#now = options.now ?? (() => performance.now());
    this.#windowMs = options.duplicateWindowMs ?? DUPLICATE_SIGNAL_WINDOW_MS;
    const source = options.source ?? processSignals;
    this.#unlisten = stopSignals(options.os ?? Deno.build.os).map((signal) =>
      source.listen(signal, () => this.#received(signal))
    );
  }

  /** Sets what a stop signal after the duplicate window does (exit without draining). */
  onForce(handler: (signal: StopSignal) => void | Promise<void>): void {
    this.#force = handler;
  }

  /**
   * Resolves once the duplicate window of the first stop signal has passed (at once when no
   * signal came, or when the window is over): until then a duplicate still meets this listener.
   */
  afterDuplicateWindow(): Promise<void> {
    if (this.#firstAt === undefined) return Promise.resolve();
    const remainingMs = this.#firstAt + this.#windowMs - this.#now();
    if (remainingMs <= 0) return Promise.resolve();
    return new Promise((resolve) => setTimeout(resolve, remainingMs));
  }

  /** Stops listening (only at exit: from then on a signal takes its default action). */
  [Symbol.dispose](): void {
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
  }

  #received(signal: StopSignal): void {
    const now = this.#now();
    if (this.#firstAt === undefined) {
      this.#firstAt = now;
      this.#resolve(signal);
    } else if (now - this.#firstAt > this.#windowMs) {
      void this.#force?.(signal);
    }
  }
}
