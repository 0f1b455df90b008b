/** @module Strict JSON request bodies: exact media type, a plain object, only known fields of the right type. */

import type { Context } from "hono";
import type { AppEnv } from "./context.ts";
import { ClientGoneError } from "./client_gone.ts";
import { ApiError } from "./problem.ts";
import { clip } from "../lib/clip.ts";
import { errorMessage } from "../lib/error_message.ts";

/** How a body field is typed: `string` or `boolean`, with `?` when it may be left out. */
export type FieldKind = "string" | "string?" | "boolean" | "boolean?";

type ValueOf<K> = K extends "boolean" | "boolean?" ? boolean : string;

/** The object `readJsonObject` returns for a field spec: optional kinds become optional keys. */
export type JsonFields<F extends Readonly<Record<string, FieldKind>>> =
  & { -readonly [K in keyof F as F[K] extends `${string}?` ? never : K]: ValueOf<F[K]> }
  & { -readonly [K in keyof F as F[K] extends `${string}?` ? K : never]?: ValueOf<F[K]> };

/**
 * Reads a JSON object body whose keys are within `fields` (all of them, except the kinds
 * ending in `?`), each of its kind; `null` is never taken for "left out".
 * Runs after the body-size limit, so reading the whole body is safe.
 * @throws {ApiError} `unsupported_media_type` (415) unless sent as UTF-8 `application/json`;
 *   `malformed_json` (400) when it does not parse; `invalid_body` (400) naming the first
 *   unknown, missing or mistyped field.
 */
export async function readJsonObject<const F extends Readonly<Record<string, FieldKind>>>(
  c: Context<AppEnv>,
  fields: F,
): Promise<JsonFields<F>> {
  checkMediaType(c.req.raw.headers.get("content-type"));
  const request = c.req.raw;
  if (request.bodyUsed) throw new Error("readJsonObject: the request body was already read");
  let text;
  try {
    text = await request.text();
  } catch (error) {
    throw new ClientGoneError("The connection ended while the body was being read", {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = text.trim() === "" ? "it is empty" : describeSyntaxError(error);
    throw new ApiError("malformed_json", `Cannot parse the request body: ${reason}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(
      "invalid_body",
      `The request body must be a JSON object, got ${kindOf(value)}`,
    );
  }
  const names = Object.keys(fields);
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key)) {
      const accepted = names.length === 0
        ? "this endpoint takes an empty object"
        : `accepted fields are ${names.join(", ")}`;
      throw new ApiError("invalid_body", `Unknown field "${clip(key)}": ${accepted}`);
    }
  }
  const body = value as Record<string, unknown>;
  const result: Record<string, string | boolean> = {};
  for (const name of names) {
    const kind = fields[name] ?? "string";
    if (!Object.hasOwn(body, name)) {
      if (kind.endsWith("?")) continue;
      throw new ApiError("invalid_body", `Missing field "${name}"`);
    }
    const field = body[name];
    const type = kind.startsWith("boolean") ? "boolean" : "string";
    if (type === "boolean" ? typeof field !== "boolean" : typeof field !== "string") {
      throw new ApiError("invalid_body", `Field "${name}" must be a ${type}`);
    }
    result[name] = field as string | boolean;
  }
  return result as JsonFields<F>;
}

/** Accepts `application/json` with no parameter but a UTF-8 charset (JSON is UTF-8 by RFC 8259). */
function checkMediaType(header: string | null): void {
  if (header === null || header.trim() === "") {
    throw new ApiError(
      "unsupported_media_type",
      "Send the body as application/json (got no Content-Type header)",
    );
  }
  const [type = "", ...params] = header.split(";");
  if (type.trim().toLowerCase() !== "application/json") {
    throw new ApiError(
      "unsupported_media_type",
      `Send the body as application/json (got "${clip(header)}")`,
    );
  }
  for (const param of params) {
    const [name = "", raw = ""] = param.split("=", 2);
    if (name.trim().toLowerCase() !== "charset") continue;
    const charset = raw.trim().replace(/^"(.*)"$/, "$1").toLowerCase();
    if (charset !== "utf-8" && charset !== "utf8") {
      throw new ApiError(
        "unsupported_media_type",
        `Send the body as UTF-8 application/json (got charset "${clip(charset)}")`,
      );
    }
  }
}

/** V8's parse messages quote at most a few characters of the input; clip keeps it so. */
function describeSyntaxError(error: unknown): string {
  return clip(errorMessage(error), 120);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "object":
      return "an object";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    default:
      return "a string";
  }
}
