/**
 * @module The pages for people, one family per file, mounted beside the JSON API on paths it
 * does not use; their errors are HTML pages while the API keeps problem+json.
 */

import { Hono } from "hono";
import type { AppEnv } from "../../http/context.ts";
import type { RumSigner } from "../../lib/rum_signature.ts";
import type { AccountsService } from "../../services/accounts.ts";
import type { BoardService } from "../../services/board.ts";
import type { LogApiReader } from "../../services/log_api_reader.ts";
import type { Logger } from "../../telemetry/log.ts";
import type { AuthLimits } from "../auth.ts";
import type { BoardLimits } from "../board.ts";
import { accountPages } from "./account_pages.tsx";
import { boardPages } from "./board_pages.tsx";
import { pageErrorHandler } from "./error_page.tsx";
import { managePages } from "./manage_pages.tsx";
import { pageContext, type WebEnv } from "./page_context.ts";
import { postForms } from "./post_forms.tsx";

/** What the pages need: the API's services and limits, and how to show times and traces. */
export interface WebDeps {
  readonly board: BoardService;
  readonly accounts: AccountsService;
  readonly logApiReader: LogApiReader;
  readonly limits: AuthLimits & BoardLimits;
  readonly sessionTtlMs: number;
  readonly logger: Logger;
  /** The zone the pages show times in (DISPLAY_TIMEZONE, else the machine's). */
  readonly displayTimeZone: string;
  /** TRACE_URL_TEMPLATE: where a trace id on /manage/log links to. */
  readonly traceUrlTemplate: string | undefined;
  /** Signs each page's trace context for its timing beacon. */
  readonly rumSigner: RumSigner;
}

/** Every page route, each behind the page context (language, CSP nonce, cross-site check). */
export function webRoutes(deps: WebDeps): Hono<AppEnv> {
  const families = [
    boardPages(deps.board, deps.limits),
    postForms(deps.board, deps.limits),
    accountPages(deps.accounts, deps.limits, deps.sessionTtlMs),
    managePages(deps),
  ];
  const web = new Hono<WebEnv>();
  // On each page path only: a middleware on "*" would run for the API's paths as well.
  const setup = pageContext(deps.displayTimeZone, deps.rumSigner);
  const paths = new Set(families.flatMap((family) => family.routes.map((route) => route.path)));
  for (const path of paths) web.use(path, setup);
  for (const family of families) web.route("/", family);
  web.onError(pageErrorHandler(deps.logger));
  return web as unknown as Hono<AppEnv>;
}
