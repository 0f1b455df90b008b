/** @module Helpers shared by the account-route tests (auth_*_test.ts). */

import type { MetricData } from "@opentelemetry/sdk-metrics";
import assert from "node:assert/strict";
import { problemOf } from "../../testing/problem.ts";
import { passwordOf, type TestApp } from "../../testing/test_app.ts";

/** The fields of a public user: never a hash. */
export const PUBLIC_USER_KEYS = ["created_at", "disabled", "role", "username"];
/** A stored UTC time, `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A session token: 32 random bytes in base64url. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Sends `body` as JSON (a string is sent as it is) with `method` (default POST). */
export function sendJson(
  t: TestApp,
  path: string,
  body: unknown,
  options: { method?: string; headers?: Record<string, string>; peer?: string } = {},
): Promise<Response> {
  return t.request(path, {
    method: options.method ?? "POST",
    headers: { "content-type": "application/json", ...options.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  }, options.peer);
}

/** POST /register with `username` and `password`, from `peer` when given. */
export function register(
  t: TestApp,
  username: string,
  password: string,
  peer?: string,
): Promise<Response> {
  return sendJson(t, "/register", { username, password }, peer === undefined ? {} : { peer });
}

/** POST /login with `username` and `password`. */
export function login(
  t: TestApp,
  username: string,
  password: string,
  options: { headers?: Record<string, string>; peer?: string } = {},
): Promise<Response> {
  return sendJson(t, "/login", { username, password }, options);
}

/** Request options sending `token` as `Authorization: Bearer`. */
export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** Another session of a user made by `signUp` (signs in again through the service). */
export async function anotherSession(t: TestApp, username: string): Promise<string> {
  return (await t.accounts.login(username, passwordOf(username))).token;
}

/** GET /me with a Bearer token; answers the status (the body is consumed). */
export async function meStatus(t: TestApp, token: string): Promise<number> {
  const response = await t.request("/me", bearer(token));
  await response.body?.cancel();
  return response.status;
}

/** The session cookie's value from a Set-Cookie header. */
export function cookieValue(setCookie: string | null): string | undefined {
  return /(?:^|,\s*)otel_board_session=([^;]*)/.exec(setCookie ?? "")?.[1];
}

/** The attributes (lower-cased names, `name=value` kept whole) of a Set-Cookie header. */
export function cookieAttributes(setCookie: string): string[] {
  return setCookie.split(";").slice(1).map((part) => part.trim().toLowerCase());
}

/** Asserts a problem answer with `status`, `code` and (when given) a detail matching `detail`. */
export async function expectProblem(
  response: Response,
  status: number,
  code: string,
  detail?: RegExp,
): Promise<Record<string, unknown>> {
  const problem = await problemOf(response);
  assert.equal(response.status, status, JSON.stringify(problem));
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  if (detail !== undefined) assert.match(String(problem.detail), detail);
  return problem;
}

/** How many users the database holds. */
export function userCount(t: TestApp): number {
  return Number(t.db.prepare("SELECT count(*) AS n FROM users").get()?.n);
}

/** The sum of the data points of metric `name` whose attributes include `attrs`. */
export function sumOf(
  metrics: Map<string, MetricData>,
  name: string,
  attrs: Record<string, unknown> = {},
): number {
  const metric = metrics.get(name);
  assert.ok(metric, `no metric ${name} among ${[...metrics.keys()].join(", ")}`);
  return metric.dataPoints
    .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + Number(p.value), 0);
}
