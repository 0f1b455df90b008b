/**
 * @module The request context contract: the Hono environment every route and middleware
 * shares, and the one middleware that gives every context variable its default.
 */

import type { MiddlewareHandler } from "hono";
import type { AuthenticatedUser } from "../services/accounts.ts";
import type { RequestOrigin } from "./request_origin.ts";

/** What `Deno.serve` hands the app beside the request (absent in `app.request()` tests). */
export interface ServeBindings {
  readonly remoteAddr?: { readonly hostname: string; readonly port: number };
  /** Settles once the response has been delivered (or the client went away). */
  readonly completed?: Promise<void>;
}

/** Values middleware sets on the context for the handlers (and outer middleware) after it. */
export interface AppVariables {
  /** The client's address, after trusted-proxy resolution; null when unknown. */
  clientIp: string | null;
  /**
   * The authenticated username; null when anonymous (what log_api.user_id records, and what
   * the telemetry middleware puts on the request span as `enduser.id`).
   */
  userId: string | null;
  /** The authenticated user; null when anonymous. */
  user: AuthenticatedUser | null;
  /** The session token the request presented (Bearer or cookie), when it was valid. */
  sessionToken: string | null;
  /**
   * The scheme, host and port the client addressed (directly, or per a trusted proxy's
   * Forwarded / X-Forwarded-* headers); null before the client-address middleware ran. The
   * telemetry middleware reports it as `url.scheme`, `server.address` and `server.port`.
   */
  origin: RequestOrigin | null;
  /** True when the client used HTTPS (the origin's scheme). */
  https: boolean;
  /** The request span's trace id; null when telemetry is off. */
  traceId: string | null;
  /**
   * The unexpected error the request was answered 5xx for; null otherwise. The error handler
   * writes it, the telemetry middleware records it on the request span.
   */
  failure: Error | null;
}

/** The Hono environment type of the app. */
export interface AppEnv {
  Bindings: ServeBindings;
  Variables: AppVariables;
}

/** The value of every context variable before any middleware has learnt better. */
const DEFAULTS: Readonly<AppVariables> = Object.freeze({
  clientIp: null,
  userId: null,
  user: null,
  sessionToken: null,
  origin: null,
  https: false,
  traceId: null,
  failure: null,
});

/**
 * Sets every context variable to its default, so no handler or middleware ever reads an
 * unset one. Mounted first in the chain.
 */
export function requestContext(): MiddlewareHandler<AppEnv> {
  const names = Object.keys(DEFAULTS) as (keyof AppVariables)[];
  return async function requestContext(c, next) {
    for (const name of names) c.set(name, DEFAULTS[name] as never);
    await next();
  };
}
