/** @module `traced()` / `withSpan()`: INTERNAL spans around service functions. */

import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  type Tracer,
} from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";

/** Span helpers bound to one tracer (or doing nothing when telemetry is off). */
export interface SpanHelpers {
  /** Wraps `fn` so every call runs inside a span named `name`. */
  traced<A extends unknown[], R>(name: string, fn: (...args: A) => R): (...args: A) => R;
  /** Runs `fn` inside a span named `name` (child of the active span) and returns its result. */
  withSpan<R>(
    name: string,
    fn: (span: Span | undefined) => R,
    options?: { readonly attributes?: Attributes },
  ): R;
  /**
   * Runs `fn` outside any request's trace: timers it arms start background work (a batch
   * of audit rows) as a trace of its own, not as part of whichever request armed them.
   */
  detached<R>(fn: () => R): R;
}

/** The attribute naming an expected outcome (`not_found`) that ended a span without failing it. */
export const ATTR_APP_OUTCOME = "app.outcome";

/** How spans tell an expected outcome from a failure. */
export interface SpanHelperOptions {
  /**
   * The name of the expected outcome `error` stands for (a broken rule: not found, forbidden,
   * conflict, validation), or undefined when it is an unexpected failure. Such an outcome is
   * what the service is for, not an error: the span records it as `app.outcome` and keeps
   * status unset, so backends do not count 404s as failures. Only failures get ERROR.
   */
  readonly expectedOutcome?: (error: unknown) => string | undefined;
}

/** Helpers that start spans on `tracer`; without a tracer they only call through. */
export function spanHelpers(
  tracer: Tracer | undefined,
  options: SpanHelperOptions = {},
): SpanHelpers {
  const expectedOutcome = options.expectedOutcome ?? (() => undefined);
  const end = (span: Span, error: unknown) => {
    const outcome = expectedOutcome(error);
    if (outcome === undefined) fail(span, error);
    else span.setAttribute(ATTR_APP_OUTCOME, outcome);
    span.end();
  };
  function withSpan<R>(
    name: string,
    fn: (span: Span | undefined) => R,
    options: { readonly attributes?: Attributes } = {},
  ): R {
    if (tracer === undefined) return fn(undefined);
    const spanOptions = options.attributes === undefined ? {} : { attributes: options.attributes };
    return tracer.startActiveSpan(name, spanOptions, (span) => {
      let result: R;
      try {
        result = fn(span);
      } catch (error) {
        end(span, error);
        throw error;
      }
      if (result instanceof Promise) {
        return result.then(
          (value) => {
            span.end();
            return value;
          },
          (error) => {
            end(span, error);
            throw error;
          },
        ) as R;
      }
      span.end();
      return result;
    });
  }
  return {
    withSpan,
    traced: (name, fn) => (...args) => withSpan(name, () => fn(...args)),
    detached: (fn) => (tracer === undefined ? fn() : context.with(ROOT_CONTEXT, fn)),
  };
}

/** Records `error` on `span` as an `exception` event and marks the span failed. */
export function fail(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(exception));
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}

/** The `error.type` of a thrown value: its class name (`RangeError`), or `Error`. */
export function errorTypeOf(error: unknown): string {
  return (error instanceof Error && error.name) || "Error";
}
