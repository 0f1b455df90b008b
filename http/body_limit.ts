/** @module Request body cap, enforced for every route before any handler runs. */

import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.ts";
import { ClientGoneError } from "./client_gone.ts";
import { ApiError } from "./problem.ts";

/**
 * Rejects bodies over `maxBodyBytes` with 413: at once when Content-Length says so, or
 * while reading a body sent without one (which is then buffered for the handler).
 */
export function bodyLimit(maxBodyBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () =>
    new ApiError(
      "payload_too_large",
      `The request body is larger than the ${maxBodyBytes} bytes this service accepts`,
    );
  return async function bodyLimit(c, next) {
    const request = c.req.raw;
    if (request.body === null) return next();
    const declared = request.headers.get("content-length");
    if (declared !== null) {
      if (Number(declared) > maxBodyBytes) throw tooLarge();
      return next();
    }
    let bytes;
    try {
      bytes = await readAtMost(request.body, maxBodyBytes);
    } catch (error) {
      // Deno fails the body stream when the connection ends mid-body (without aborting
      // the request signal), so this is the only place the departure shows.
      throw new ClientGoneError("The connection ended while the body was being read", {
        cause: error,
      });
    }
    if (bytes === undefined) throw tooLarge();
    c.req.raw = new Request(request, { body: bytes });
    return next();
  };
}

async function readAtMost(
  body: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
