/** @module Process lifecycle: which signals mean "stop" on each operating system. */

/** A signal this service treats as a request to stop gracefully. */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGBREAK" | "SIGHUP";

/**
 * The stop signals for `os`: SIGINT and SIGTERM everywhere; on Windows also SIGBREAK
 * (Ctrl+Break, and what service wrappers send) and SIGHUP (console window closed).
 * SIGHUP is left alone elsewhere, where it conventionally means "reload", not "stop".
 */
export function stopSignals(os: typeof Deno.build.os): StopSignal[] {
  return os === "windows" ? ["SIGINT", "SIGBREAK", "SIGHUP", "SIGTERM"] : ["SIGINT", "SIGTERM"];
}

/** Calls `onStop` with the signal's name on each stop signal; returns a function that unlistens. */
export function listenForStop(
  os: typeof Deno.build.os,
  onStop: (signal: StopSignal) => void,
): () => void {
  const listeners = stopSignals(os).map((signal) => {
    const listener = () => onStop(signal);
    Deno.addSignalListener(signal, listener);
    return () => Deno.removeSignalListener(signal, listener);
  });
  return () => listeners.forEach((remove) => remove());
}
