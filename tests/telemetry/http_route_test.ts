/** @module Every route of the app names its SERVER span and `http.route` after the handler that answered. */

import { SpanKind } from "@opentelemetry/api";
import assert from "node:assert/strict";
import { testApp } from "../../testing/test_app.ts";

const TELEMETRY = {
  OTEL_TRACES_EXPORTER: "none",
  OTEL_BSP_SCHEDULE_DELAY: "0",
  // So that GET /metrics exists (it is never traced, as the probes are not).
  OTEL_METRICS_EXPORTER: "prometheus",
};

/** One request per route: the method, a concrete path, and the route template it must report. */
interface RouteCase {
  readonly method: string;
  readonly path: string;
  readonly route: string;
  readonly body?: string;
  readonly signedIn?: "user" | "admin";
}

const JSON_POST = JSON.stringify({ title: "t", content: "c" });

const TRACED: readonly RouteCase[] = [
  { method: "POST", path: "/register", route: "/register", body: "{}" },
  { method: "POST", path: "/login", route: "/login", body: "{}" },
  { method: "POST", path: "/logout", route: "/logout", signedIn: "user" },
  { method: "GET", path: "/me", route: "/me", signedIn: "user" },
  { method: "PUT", path: "/me/password", route: "/me/password", body: "{}", signedIn: "user" },
  { method: "POST", path: "/board", route: "/board", body: JSON_POST, signedIn: "user" },
  { method: "GET", path: "/board/search?q=hello", route: "/board/search" },
  { method: "GET", path: "/board/posts/1", route: "/board/posts/:seq" },
  {
    method: "PUT",
    path: "/board/posts/1",
    route: "/board/posts/:seq",
    body: JSON_POST,
    signedIn: "admin",
  },
  { method: "DELETE", path: "/board/posts/2", route: "/board/posts/:seq", signedIn: "admin" },
  { method: "GET", path: "/board", route: "/board" },
  { method: "GET", path: "/board/3", route: "/board/:count" },
  { method: "GET", path: "/admin/users", route: "/admin/users", signedIn: "admin" },
  {
    method: "GET",
    path: "/admin/users/someone/posts",
    route: "/admin/users/:username/posts",
    signedIn: "admin",
  },
  {
    method: "PATCH",
    path: "/admin/users/someone",
    route: "/admin/users/:username",
    body: JSON.stringify({ disabled: false }),
    signedIn: "admin",
  },
  { method: "GET", path: "/log", route: "/log" },
  { method: "POST", path: "/rum", route: "/rum", body: "{}" },
  // The pages (their posts are refused here: no Origin, so the cross-site check answers 403).
  { method: "GET", path: "/", route: "/" },
  { method: "GET", path: "/posts/1", route: "/posts/:seq" },
  { method: "GET", path: "/write", route: "/write", signedIn: "user" },
  { method: "POST", path: "/write", route: "/write", signedIn: "user" },
  { method: "GET", path: "/posts/1/edit", route: "/posts/:seq/edit", signedIn: "admin" },
  { method: "POST", path: "/posts/1/edit", route: "/posts/:seq/edit", signedIn: "admin" },
  { method: "POST", path: "/posts/1/delete", route: "/posts/:seq/delete", signedIn: "admin" },
  { method: "GET", path: "/signin", route: "/signin" },
  { method: "POST", path: "/signin", route: "/signin" },
  { method: "GET", path: "/signup", route: "/signup" },
  { method: "POST", path: "/signup", route: "/signup" },
  { method: "POST", path: "/signout", route: "/signout", signedIn: "user" },
  { method: "GET", path: "/account", route: "/account", signedIn: "user" },
  { method: "POST", path: "/account", route: "/account", signedIn: "user" },
  { method: "POST", path: "/lang", route: "/lang" },
  { method: "GET", path: "/manage/log", route: "/manage/log", signedIn: "admin" },
  { method: "GET", path: "/manage/users", route: "/manage/users", signedIn: "admin" },
  {
    method: "POST",
    path: "/manage/users/someone",
    route: "/manage/users/:username",
    signedIn: "admin",
  },
  { method: "GET", path: "/static/board.css", route: "/static/board.css" },
  { method: "GET", path: "/static/board.js", route: "/static/board.js" },
];

/** Routes that are neither traced nor measured (the probes and the scrape endpoint). */
const UNTRACED: readonly RouteCase[] = [
  { method: "GET", path: "/healthz", route: "/healthz" },
  { method: "GET", path: "/readyz", route: "/readyz" },
  { method: "GET", path: "/metrics", route: "/metrics" },
];

Deno.test("Every route's SERVER span is named and routed after the handler that answered it", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const registered = new Set(
    t.app.routes
      .filter((r) => r.method !== "ALL" && r.path !== "*" && r.path !== "/*")
      .map((r) => `${r.method} ${r.path}`),
  );
  const tabled = new Set([...TRACED, ...UNTRACED].map((c) => `${c.method} ${c.route}`));
  assert.deepEqual([...tabled].sort(), [...registered].sort(), "the table lists every route");

  const tokens = { user: await t.signUp("someone"), admin: await t.signUp("root", "admin") };
  for (const routeCase of [...TRACED, ...UNTRACED]) {
    const before = (await t.finishedSpans()).length;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (routeCase.signedIn !== undefined) {
      headers.authorization = `Bearer ${tokens[routeCase.signedIn]}`;
    }
    const response = await t.request(routeCase.path, {
      method: routeCase.method,
      headers,
      ...(routeCase.body === undefined ? {} : { body: routeCase.body }),
    });
    await response.body?.cancel();
    assert.notEqual(response.status, 404, `${routeCase.method} ${routeCase.path} exists`);
    const servers = (await t.finishedSpans()).slice(before).filter((s) =>
      s.kind === SpanKind.SERVER
    );
    const label = `${routeCase.method} ${routeCase.path} (${response.status})`;
    if (UNTRACED.includes(routeCase)) {
      assert.equal(servers.length, 0, `${label} is not traced`);
      continue;
    }
    assert.equal(servers.length, 1, label);
    assert.equal(servers[0]!.name, `${routeCase.method} ${routeCase.route}`, label);
    assert.equal(servers[0]!.attributes["http.route"], routeCase.route, label);
  }
});

Deno.test("A route answered by its rate limiter, a 405 and a HEAD keep the route that answered", async () => {
  await using t = await testApp({ settings: { ...TELEMETRY, RATE_LIMIT_SEARCH: "1/1m" } });
  const cases: readonly (readonly [string, string, number, string])[] = [
    ["GET", "/board/search?q=ab", 200, "GET /board/search"],
    ["GET", "/board/search?q=ab", 429, "GET /board/search"],
    ["DELETE", "/board/search", 405, "DELETE /board/search"],
    ["HEAD", "/board/2", 200, "HEAD /board/:count"],
  ];
  for (const [method, path, status, name] of cases) {
    const before = (await t.finishedSpans()).length;
    const response = await t.request(path, { method });
    await response.body?.cancel();
    assert.equal(response.status, status, `${method} ${path}`);
    const [server] = (await t.finishedSpans()).slice(before).filter((s) =>
      s.kind === SpanKind.SERVER
    );
    assert.equal(server?.name, name);
    assert.equal(server?.attributes["http.route"], name.split(" ")[1]);
  }
});

Deno.test("The request-duration series of /board/search is routed /board/search", async () => {
  await using t = await testApp({ settings: { ...TELEMETRY, OTEL_METRICS_EXPORTER: "otlp" } });
  await (await t.request("/board/search?q=hello")).body?.cancel();
  const duration = (await t.collectMetrics()).get("http.server.request.duration");
  const routes = duration?.dataPoints.map((p) => p.attributes["http.route"]);
  assert.deepEqual(routes, ["/board/search"]);
});
