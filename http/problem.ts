/** @module RFC 9457 problem details: the one shape every error answer takes. */

import { STATUS_TEXT, type StatusCode } from "./status_text.ts";

/** Our machine-readable error codes and the status each one answers with. */
export const PROBLEM_STATUS = {
  invalid_parameter: 400,
  malformed_json: 400,
  invalid_body: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  not_ready: 503,
} as const satisfies Record<string, StatusCode>;

/** A problem code. */
export type ProblemCode = keyof typeof PROBLEM_STATUS;

/** The JSON body of an error answer. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly instance: string;
  readonly trace_id: string | null;
}

/** Thrown by routes and middleware; the error handler turns it into a problem answer. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly code: ProblemCode;
  readonly headers: Readonly<Record<string, string>>;

  /** `detail` is shown to the client, so it must be a sentence a person understands. */
  constructor(code: ProblemCode, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.code = code;
    this.headers = headers;
  }

  /** The HTTP status of this error's code. */
  get status(): number {
    return PROBLEM_STATUS[this.code];
  }
}

/** Builds an `application/problem+json` response. */
export function problemResponse(
  code: ProblemCode,
  detail: string,
  options: {
    readonly instance: string;
    readonly traceId: string | null;
    readonly headers?: Readonly<Record<string, string>>;
  },
): Response {
  const status = PROBLEM_STATUS[code];
  const body: ProblemBody = {
    type: "about:blank",
    title: STATUS_TEXT[status],
    status,
    detail,
    code,
    instance: options.instance,
    trace_id: options.traceId,
  };
  const headers = new Headers(options.headers);
  headers.set("content-type", "application/problem+json; charset=utf-8");
  headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(body), { status, headers });
}
