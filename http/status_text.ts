/** @module Reason phrases for the statuses the service answers with (RFC 9110). */

/** Status text by code, used as the problem `title`. */
export const STATUS_TEXT = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
} as const;

/** A status the service can answer an error with. */
export type StatusCode = keyof typeof STATUS_TEXT;
