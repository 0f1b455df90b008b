/**
 * @module Counts the items the SDK's batch processors drop because their queue is full.
 *
 * The processors report drops only through their self-observability metrics
 * (`otel.sdk.processor.*.processed` with `error.type=queue_full`); handing them a meter
 * provider that watches those additions gives an exact count without touching SDK
 * internals, while the SDK's own metrics still reach the real provider.
 */

import type { Attributes, Counter, Meter, MeterProvider } from "@opentelemetry/api";

/** Items of one signal dropped for one reason, as `app.telemetry.dropped` reports them. */
export interface DroppedItems {
  readonly signal: "traces" | "logs";
  /** `queue_full` (a batch processor's queue), or why the keep-errors processor gave spans up. */
  readonly reason: string;
  readonly items: number;
}

/** A meter provider to pass as `selfObsMeterProvider`, and the drops it has seen. */
export interface DropCounter {
  readonly provider: MeterProvider;
  dropped(): number;
}

/** Wraps `provider` so queue-full drops reported through it are counted. */
export function countDrops(provider: MeterProvider): DropCounter {
  let dropped = 0;
  const watch = (counter: Counter): Counter => ({
    add(value: number, attributes?: Attributes, ctx?: Parameters<Counter["add"]>[2]) {
      if (attributes?.["error.type"] === "queue_full") dropped += value;
      counter.add(value, attributes, ctx);
    },
  });
  return {
    provider: {
      getMeter(name, version, options): Meter {
        const meter = provider.getMeter(name, version, options);
        return new Proxy(meter, {
          get(target, property) {
            if (property === "createCounter") {
              return (...args: Parameters<Meter["createCounter"]>) =>
                watch(target.createCounter(...args));
            }
            const value = Reflect.get(target, property, target);
            return typeof value === "function" ? value.bind(target) : value;
          },
        });
      },
    },
    dropped: () => dropped,
  };
}
