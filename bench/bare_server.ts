/**
 * @module The benchmark's baseline: a bare `Deno.serve` + `node:sqlite` server answering
 * `GET /board/{n}`, `GET /board?limit=&before=` and `GET /log?limit=` with the same queries
 * and JSON as otel-board (statements prepared once), and nothing else: no framework, no
 * telemetry, no call log. Run with PORT and DB_PATH set.
 */

import { DatabaseSync, type SQLInputValue } from "node:sqlite";

// The same SQL as db/sqlite/posts.ts and db/sqlite/log_api.ts (GET /board and GET /log read one
// row more than asked to know whether a next page exists).
const SELECT_POSTS = `
SELECT b.seq, b.title, b.content, b.create_date, b.update_date, u.username AS author
FROM board AS b LEFT JOIN users AS u ON u.id = b.author_id WHERE b.seq < ? ORDER BY b.seq DESC LIMIT ?`;
const SELECT_LOG = `SELECT * FROM log_api
    ORDER BY start_time DESC, seq DESC LIMIT ?`;

const MAX_ROWS = 1000;
const JSON_HEADERS = { "content-type": "application/json" };

/** Serves the three routes over the database at `dbPath`; resolves when the server stops. */
export async function serveBare(dbPath: string, port: number): Promise<void> {
  const db = new DatabaseSync(dbPath);
  db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
  const posts = db.prepare(SELECT_POSTS);
  const log = db.prepare(SELECT_LOG);

  const json = (rows: unknown[], link?: string) =>
    new Response(
      JSON.stringify(rows),
      { headers: link === undefined ? JSON_HEADERS : { ...JSON_HEADERS, link } },
    );
  const badRequest = () => new Response("Bad request", { status: 400 });

  // One row more than `limit` means another page: answer `limit` rows and a Link header.
  const page = (
    path: string,
    params: URLSearchParams,
    rows: Record<string, SQLInputValue>[],
    limit: number,
  ) => {
    if (rows.length <= limit) return json(rows);
    rows.length = limit;
    const next = new URLSearchParams([...params].filter(([name]) => name !== "before"));
    next.set("before", String(rows[limit - 1]!.seq));
    return json(rows, `<${path}?${next}>; rel="next"`);
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/healthz") return new Response('{"status":"ok"}', { headers: JSON_HEADERS });
    if (path === "/board" || path === "/log") {
      const limit = wholeNumber(url.searchParams.get("limit") ?? "100", MAX_ROWS);
      if (limit === undefined) return badRequest();
      if (path === "/log") return page(path, url.searchParams, log.all(limit + 1), limit);
      const beforeText = url.searchParams.get("before");
      const before = beforeText === null
        ? Number.MAX_SAFE_INTEGER
        : wholeNumber(beforeText, Number.MAX_SAFE_INTEGER);
      if (before === undefined) return badRequest();
      return page(path, url.searchParams, posts.all(before, limit + 1), limit);
    }
    if (path.startsWith("/board/")) {
      const count = wholeNumber(path.slice("/board/".length), MAX_ROWS);
      return count === undefined ? badRequest() : json(posts.all(Number.MAX_SAFE_INTEGER, count));
    }
    return new Response("Not found", { status: 404 });
  });
  const stop = () => void server.shutdown();
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  await server.finished;
  db.close();
}

function wholeNumber(text: string, max: number): number | undefined {
  if (!/^[0-9]{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 && value <= max ? value : undefined;
}

if (import.meta.main) {
  const dbPath = Deno.env.get("DB_PATH");
  const port = Number(Deno.env.get("PORT"));
  if (dbPath === undefined || !Number.isInteger(port)) {
    throw new Error("Cannot start the bare server: set DB_PATH and PORT");
  }
  await serveBare(dbPath, port);
}
