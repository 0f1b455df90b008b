/** @module The Hono environment every route and middleware shares. */

/** What `Deno.serve` hands the app beside the request (absent in `app.request()` tests). */
export interface ServeBindings {
  readonly remoteAddr?: { readonly hostname: string; readonly port: number };
  /** Settles once the response has been delivered (or the client went away). */
  readonly completed?: Promise<void>;
}

import type { AuthenticatedUser } from "../services/accounts.ts";

/** Values middleware sets on the context for the handlers after it. */
export interface AppVariables {
  /** The client's address, after trusted-proxy resolution; null when unknown. */
  clientIp: string | null;
  /** The authenticated username; null when anonymous (what log_api.user_id records). */
  userId: string | null;
  /** The authenticated user; null when anonymous. */
  user: AuthenticatedUser | null;
  /** The session token the request presented (Bearer or cookie), when it was valid. */
  sessionToken: string | null;
  /** True when the client used HTTPS (directly, or per X-Forwarded-Proto from a trusted proxy). */
  https: boolean;
  /** The request span's trace id; null when telemetry is off. */
  traceId: string | null;
}

/** The Hono environment type of the app. */
export interface AppEnv {
  Bindings: ServeBindings;
  Variables: AppVariables;
}
