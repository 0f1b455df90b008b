/** @module A signal source a test fires by hand, for the stop handling. */

import type { SignalSource, StopSignal } from "../lib/stop_signals.ts";

/** A signal source a test fires by hand, with a clock (milliseconds) the test moves. */
export function fakeSignals(): {
  readonly source: SignalSource;
  now(): number;
  advance(ms: number): void;
  fire(signal: StopSignal): void;
  /** How many listeners `signal` has now. */
  listeners(signal: StopSignal): number;
} {
  const handlers = new Map<StopSignal, Set<() => void>>();
  let clockMs = 0;
  return {
    source: {
      listen(signal, handler) {
        const set = handlers.get(signal) ?? new Set();
        set.add(handler);
        handlers.set(signal, set);
        return () => set.delete(handler);
      },
    },
    now: () => clockMs,
    advance: (ms) => void (clockMs += ms),
    fire: (signal) => handlers.get(signal)?.forEach((handler) => handler()),
    listeners: (signal) => handlers.get(signal)?.size ?? 0,
  };
}
