/** @module Reading the pages' form posts, answering them with a redirect, and their field errors. */

import { ApiError } from "../../http/problem.ts";
import { DomainError } from "../../services/domain_error.ts";
import { fieldMessageKey, type Lang, text } from "./i18n.ts";
import type { WebContext } from "./page_context.ts";

/**
 * The named fields of a form post (`application/x-www-form-urlencoded`, or multipart), each
 * as text; a missing field is the empty string.
 * @throws {ApiError} `unsupported_media_type` for any other body.
 */
export async function formFields<K extends string>(
  c: WebContext,
  names: readonly K[],
): Promise<Record<K, string>> {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/")) {
    throw new ApiError("unsupported_media_type", "Send the form as a web form");
  }
  const body = await c.req.parseBody();
  const fields = {} as Record<K, string>;
  for (const name of names) {
    const value = body[name];
    fields[name] = typeof value === "string" ? value : "";
  }
  return fields;
}

/** Answers 303 See Other: after a post, the browser reads `location` with GET. */
export function seeOther(c: WebContext, location: string): Response {
  return c.redirect(location, 303);
}

/** `raw` when it is a path of this site (`/…`, not `//host`), else `/`. */
export function localPath(raw: string | undefined): string {
  if (raw === undefined || !raw.startsWith("/") || raw.startsWith("//") || raw.includes("\\")) {
    return "/";
  }
  return raw;
}

/** Sends an anonymous reader to the sign-in page, which returns here afterwards. */
export function signInFirst(c: WebContext): Response {
  const url = new URL(c.req.url);
  const here = c.req.method === "GET" ? url.pathname + url.search : "/";
  return seeOther(c, `/signin?next=${encodeURIComponent(here)}`);
}

/** A broken rule shown beside its field: which field, and the message in the reader's language. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * The field message for a service's refusal about one of `fields` (its code and field
 * keying the catalogue); any other error is thrown on, for the error page.
 */
export function fieldError(error: unknown, lang: Lang, fields: readonly string[]): FieldError {
  if (error instanceof DomainError && error.field !== undefined && fields.includes(error.field)) {
    const key = fieldMessageKey(error.kind, error.field);
    if (key !== undefined) return { field: error.field, message: text(lang, key) };
  }
  throw error;
}

/** The HTTP status of a refusal shown beside a field. */
export function fieldErrorStatus(error: unknown): 400 | 403 | 409 {
  const kind = error instanceof DomainError ? error.kind : "invalid_body";
  return kind === "conflict" ? 409 : kind === "forbidden" ? 403 : 400;
}
