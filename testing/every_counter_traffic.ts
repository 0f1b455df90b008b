/**
 * @module Requests that move every metric otel-board registers: reads, a 404, a registration,
 * a good and a bad sign-in, and a post created, replaced and deleted.
 */

/** Sends one request to the service under test (a real server's `fetch`, or an in-process one). */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** A `Send` for a server listening at `baseUrl`. */
export function sendTo(baseUrl: string): Send {
  return (path, init) => fetch(`${baseUrl}${path}`, init);
}

async function expectStatus(send: Send, status: number, path: string, init?: RequestInit) {
  const response = await send(path, init);
  const body = await response.text();
  if (response.status !== status) {
    const method = init?.method ?? "GET";
    throw new Error(`${method} ${path} answered ${response.status}, not ${status}: ${body}`);
  }
  return body;
}

function json(method: string, body: unknown, token?: string): RequestInit {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return { method, headers, body: JSON.stringify(body) };
}

/**
 * Serves the requests that make every business counter, both HTTP metrics and the DB
 * histogram (transaction statements included) record a point; throws if one is not answered
 * as expected. Registers `username` with `password`.
 */
export async function exerciseEveryCounter(
  send: Send,
  { username = "dashboard_user", password = "correct horse battery staple" } = {},
): Promise<void> {
  for (let i = 0; i < 3; i++) await expectStatus(send, 200, "/board/5");
  await expectStatus(send, 404, "/no-such-page");
  await expectStatus(send, 201, "/register", json("POST", { username, password }));
  await expectStatus(send, 401, "/login", json("POST", { username, password: `${password}!` }));
  const { token } = JSON.parse(
    await expectStatus(send, 200, "/login", json("POST", { username, password })),
  ) as { token: string };
  const created = JSON.parse(
    await expectStatus(send, 201, "/board", json("POST", { title: "Hello", content: "Hi" }, token)),
  ) as { seq: number };
  const post = `/board/posts/${created.seq}`;
  await expectStatus(send, 200, post, json("PUT", { title: "Hello", content: "Again" }, token));
  await expectStatus(send, 204, post, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
}
