/**
 * @module What every page request gets before its handler: the reader's language, a CSP
 * nonce, the server span's `traceparent`, the cross-site check on form posts; and after it,
 * the pages' headers (a strict Content-Security-Policy, no caching).
 */

import { isSpanContextValid, trace } from "@opentelemetry/api";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv, AppVariables, ServeBindings } from "../../http/context.ts";
import { ApiError } from "../../http/problem.ts";
import type { RequestOrigin } from "../../http/request_origin.ts";
import type { RumSigner } from "../../lib/rum_signature.ts";
import { spanStartMs } from "../../telemetry/browser_spans.ts";
import { chooseLang, type Lang, LANG_COOKIE } from "./i18n.ts";

/** What a page knows about the request it renders. */
export interface PageInfo {
  readonly lang: Lang;
  /** The nonce a first-party `<script>` must carry under the page's CSP. */
  readonly nonce: string;
  /** The request's SERVER span as a W3C traceparent; null when telemetry is off. */
  readonly traceparent: string | null;
  /**
   * What the page's timing beacon brings back to prove its context was issued here: when (the
   * SERVER span's start, ms since the epoch) and the signature; null without a traceparent.
   */
  readonly rum: { readonly issuedAtMs: number; readonly signature: string } | null;
  /** The zone times are shown in (DISPLAY_TIMEZONE). */
  readonly timeZone: string;
}

/** The pages' Hono environment: the app's, plus `page`. */
export interface WebEnv {
  Bindings: ServeBindings;
  Variables: AppVariables & { page: PageInfo };
}

/** A page handler's context. */
export type WebContext = Context<WebEnv>;

/**
 * The same context seen as the app's: WebEnv only adds `page`, so the app's helpers (the
 * session cookie, the error description) work on it unchanged.
 */
export function appContext(c: WebContext): Context<AppEnv> {
  return c as unknown as Context<AppEnv>;
}

/**
 * The pages' policy: scripts only with this response's nonce, styles and everything else
 * only from the program itself, forms only to it, no framing.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Sets up `page` for the handler and adds the pages' headers to whatever it answers. */
export function pageContext(timeZone: string, signer: RumSigner): MiddlewareHandler<WebEnv> {
  return async function pageContext(c, next) {
    const nonce = randomNonce();
    const server = serverSpan();
    const path = new URL(c.req.url).pathname;
    c.set("page", {
      lang: chooseLang(getCookie(c, LANG_COOKIE), c.req.header("accept-language")),
      nonce,
      traceparent: server?.traceparent ?? null,
      rum: server === undefined ? null : {
        issuedAtMs: server.startMs,
        signature: signer.sign({
          traceparent: server.traceparent,
          path,
          issuedAtMs: server.startMs,
        }),
      },
      timeZone,
    });
    if (c.req.method === "POST") refuseCrossSite(c);
    await next();
    const headers = c.res.headers;
    headers.set("content-security-policy", contentSecurityPolicy(nonce));
    headers.set("cache-control", "no-store");
    // Appended: CORS may have said Vary: Origin already.
    headers.append("vary", "Cookie, Accept-Language");
  };
}

/**
 * CSRF protection by origin, not by token: a form post must come from a page of this very
 * origin. Browsers send `Sec-Fetch-Site` (it must be `same-origin`; `same-site` is refused
 * too, as another port of the same host is another application) or at least `Origin` (it
 * must be the origin the client addressed). A post with neither is refused.
 */
export function refuseCrossSite(c: Context<WebEnv>): void {
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  const own = c.get("origin");
  const sameOrigin = site !== undefined
    ? site === "same-origin"
    : origin !== undefined && own !== null && origin === originText(own);
  if (!sameOrigin) {
    throw new ApiError(
      "forbidden",
      "This form was sent from another site (or without an Origin header), so it was refused",
    );
  }
}

/** `https://host[:port]` as a browser's Origin header writes it. */
export function originText(origin: RequestOrigin): string {
  const host = origin.host.includes(":") ? `[${origin.host}]` : origin.host;
  const defaultPort = origin.scheme === "https" ? 443 : 80;
  return `${origin.scheme}://${host}${origin.port === defaultPort ? "" : `:${origin.port}`}`;
}

function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The active span, which for a page is the request's SERVER span (the telemetry middleware made
 * it active; service spans end before a page renders): its traceparent and start (ms since the
 * epoch; now, for a span that does not record one, such as an unsampled one).
 */
function serverSpan(): { traceparent: string; startMs: number } | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return undefined;
  const flags = context.traceFlags.toString(16).padStart(2, "0");
  return {
    traceparent: `00-${context.traceId}-${context.spanId}-${flags}`,
    startMs: spanStartMs(span) ?? Date.now(),
  };
}
