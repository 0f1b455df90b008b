/** @module The app's error and not-found handlers: every failure becomes a problem answer. */

import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../telemetry/log.ts";
import { DomainError } from "../services/domain_error.ts";
import { StoreBusyError, StoreUnavailableError } from "../db/store.ts";
import type { AppEnv } from "./context.ts";
import { CLIENT_CLOSED_REQUEST, ClientGoneError } from "./client_gone.ts";
import { ApiError, type ProblemCode, problemResponse } from "./problem.ts";
import { clip } from "../lib/clip.ts";

/** Seconds a client should wait before retrying a write the locked database refused. */
const BUSY_RETRY_AFTER_SECONDS = "1";

const CODE_BY_STATUS: Readonly<Record<number, ProblemCode>> = {
  400: "invalid_parameter",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
  503: "not_ready",
};

/** What an error is answered with: its problem code, the sentence for the client, headers. */
export interface ErrorAnswer {
  readonly code: ProblemCode;
  readonly detail: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The input field a broken rule is about, when the service named one. */
  readonly field?: string;
}

/**
 * Decides how a thrown error is answered, for the problem answers and the pages alike.
 * Unexpected ones are logged, described without internals, and left on the context as
 * `failure` for the telemetry middleware to record; a database locked by another writer is
 * `not_ready` with `Retry-After`, and so is one that does not answer. Undefined when the client went away (nobody to answer).
 */
export function describeError(
  error: Error,
  c: Context<AppEnv>,
  log: Logger,
): ErrorAnswer | undefined {
  if (error instanceof ApiError) {
    return { code: error.code, detail: error.message, headers: error.headers };
  }
  if (error instanceof DomainError) {
    return {
      code: error.kind,
      detail: error.message,
      headers: {},
      ...(error.field === undefined ? {} : { field: error.field }),
    };
  }
  if (error instanceof ClientGoneError) return undefined;
  if (error instanceof StoreBusyError || error instanceof StoreUnavailableError) {
    const busy = error instanceof StoreBusyError;
    log.warn(busy ? "Database busy" : "Database unavailable", {
      error,
      method: c.req.method,
      path: c.req.path,
    });
    // Recorded on the request span, as a failure the client may retry.
    c.set("failure", error);
    return {
      code: "not_ready",
      detail: busy
        ? "The database is busy; try again in a moment"
        : "The database does not answer; try again in a moment",
      headers: { "retry-after": BUSY_RETRY_AFTER_SECONDS },
    };
  }
  const code = error instanceof HTTPException ? CODE_BY_STATUS[error.status] : undefined;
  if (code !== undefined) {
    return { code, detail: error.message || "The request was refused", headers: {} };
  }
  log.error("Request failed", { error, method: c.req.method, path: c.req.path });
  // The telemetry middleware records it on the request span once the answer is made.
  c.set("failure", error);
  return {
    code: "internal_error",
    detail: "The server failed to answer this request; the failure has been logged",
    headers: {},
  };
}

/** Turns thrown errors into problem answers (see {@link describeError}). */
export function errorHandler(logger: Logger): ErrorHandler<AppEnv> {
  const log = logger.scoped(import.meta.url);
  return function errorHandler(error, c) {
    const answer = describeError(error, c, log);
    // Nobody is left to read an answer; the status is for the call log only.
    if (answer === undefined) return new Response(null, { status: CLIENT_CLOSED_REQUEST });
    return problem(c, answer.code, answer.detail, answer.headers);
  };
}

/** Answers 404 for a path no route serves. */
export function notFoundHandler(): NotFoundHandler<AppEnv> {
  return function notFound(c) {
    return problem(c, "not_found", `There is no resource at ${clip(c.req.path, 200)}`);
  };
}

function problem(
  c: Context<AppEnv>,
  code: ProblemCode,
  detail: string,
  headers: Readonly<Record<string, string>> = {},
): Response {
  return problemResponse(code, detail, {
    instance: c.req.path,
    traceId: c.get("traceId") ?? null,
    headers,
  });
}
