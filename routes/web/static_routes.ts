/**
 * @module The pages' style sheet and script, served from memory. Pages link them with their
 * content hash (`?v=…`), so a browser keeps them for a year and a new build is a new URL;
 * without the current hash they are revalidated by ETag.
 */

import { createHash } from "node:crypto";
import { Hono } from "hono";
import type { AppEnv } from "../../http/context.ts";
import { BOARD_SCRIPT } from "./script.ts";
import { BOARD_CSS } from "./style.ts";

/** Where the style sheet is served. */
export const CSS_PATH = "/static/board.css";
/** Where the script is served. */
export const SCRIPT_PATH = "/static/board.js";

const ASSETS = {
  [CSS_PATH]: { body: BOARD_CSS, type: "text/css; charset=utf-8" },
  [SCRIPT_PATH]: { body: BOARD_SCRIPT, type: "text/javascript; charset=utf-8" },
} as const;

type AssetPath = keyof typeof ASSETS;

const versions = new Map<AssetPath, string>();

/** The asset's content hash (hex, 24 digits), computed once. */
function versionOf(path: AssetPath): string {
  let version = versions.get(path);
  if (version === undefined) {
    version = createHash("sha256").update(ASSETS[path].body).digest("hex").slice(0, 24);
    versions.set(path, version);
  }
  return version;
}

/** The URL a page links the asset by: its path and content hash. */
export function assetUrl(path: AssetPath): string {
  return `${path}?v=${versionOf(path)}`;
}

/** `GET /static/board.css` and `GET /static/board.js`. */
export function staticRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const path of [CSS_PATH, SCRIPT_PATH] as const) {
    app.get(path, (c) => {
      const version = versionOf(path);
      const etag = `"${version}"`;
      const headers = {
        etag,
        "cache-control": c.req.query("v") === version
          ? "public, max-age=31536000, immutable"
          : "public, no-cache",
      };
      const held = c.req.header("if-none-match")?.split(",").map((tag) =>
        tag.trim().replace(/^W\//, "")
      );
      if (held?.includes(etag) === true) return new Response(null, { status: 304, headers });
      return new Response(ASSETS[path].body, {
        headers: { ...headers, "content-type": ASSETS[path].type },
      });
    });
  }
  return app;
}
