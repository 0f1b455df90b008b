/** @module The pages' style sheet and script, served from memory with an ETag. */

import { Hono } from "hono";
import type { AppEnv } from "../../http/context.ts";
import { BOARD_SCRIPT } from "./script.ts";
import { BOARD_CSS } from "./style.ts";

/** Where the style sheet is served. */
export const CSS_PATH = "/static/board.css";
/** Where the script is served. */
export const SCRIPT_PATH = "/static/board.js";

/** `GET /static/board.css` and `GET /static/board.js`: revalidated with If-None-Match. */
export function staticRoutes(): Hono<AppEnv> {
  const css = asset(BOARD_CSS, "text/css; charset=utf-8");
  const script = asset(BOARD_SCRIPT, "text/javascript; charset=utf-8");
  return new Hono<AppEnv>()
    .get(CSS_PATH, (c) => css(c.req.header("if-none-match")))
    .get(SCRIPT_PATH, (c) => script(c.req.header("if-none-match")));
}

/** Answers `body` (or 304 when the client holds this version), hashed on first use. */
function asset(body: string, contentType: string) {
  let etag: Promise<string> | undefined;
  return async function answerAsset(ifNoneMatch: string | undefined): Promise<Response> {
    etag ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)).then((digest) =>
      `"${
        Array.from(new Uint8Array(digest).slice(0, 12), (b) => b.toString(16).padStart(2, "0"))
          .join("")
      }"`
    );
    const tag = await etag;
    // Cached, but asked again each time: a new version shows at once, an unchanged one is a 304.
    const headers = { etag: tag, "cache-control": "public, no-cache" };
    const held = ifNoneMatch?.split(",").map((part) => part.trim().replace(/^W\//, ""));
    if (held?.includes(tag) === true) return new Response(null, { status: 304, headers });
    return new Response(body, { headers: { ...headers, "content-type": contentType } });
  };
}
