/**
 * @module The API contract between the engines: the same requests over SQLite and over
 * PostgreSQL give the same answers (statuses, Link/Location headers, bodies byte for byte once
 * times and tokens are set aside). Posts, paging, search, accounts, sessions across two
 * instances, /log filters, admin views and retention.
 */

import assert from "node:assert/strict";
import { type ContractRun, contractTest } from "../../testing/contract.ts";
import { passwordOf, type TestApp } from "../../testing/test_app.ts";

const json = (body: unknown, token?: string): RequestInit => ({
  method: "POST",
  headers: {
    "content-type": "application/json",
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  },
  body: JSON.stringify(body),
});

const as = (method: string, init: RequestInit): RequestInit => ({ ...init, method });

const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

/** Registers and signs in `username` through the API; resolves with the token. */
async function signIn(run: ContractRun, app: TestApp, username: string): Promise<string> {
  await run.call(
    app,
    `register ${username}`,
    "/register",
    json({
      username,
      password: passwordOf(username),
    }),
  );
  const login = await run.call(
    app,
    `login ${username}`,
    "/login",
    json({
      username,
      password: passwordOf(username),
    }),
  );
  return (login.body as { token: string }).token;
}

/** Follows `Link: rel="next"` from `path`, recording every page. */
async function follow(run: ContractRun, app: TestApp, label: string, path: string) {
  let next: string | undefined = path;
  for (let page = 1; next !== undefined && page <= 20; page++) {
    const answer = await run.call(app, `${label} page ${page}`, next);
    next = /<([^>]+)>;\s*rel="next"/.exec(answer.headers.link ?? "")?.[1];
  }
}

contractTest("posts: create, read, replace, delete, and the refusals", async (run) => {
  const app = await run.open();
  const alice = await signIn(run, app, "alice");
  const bob = await signIn(run, app, "bob");
  const created = await run.call(
    app,
    "create",
    "/board",
    json({ title: "첫 글", content: "안녕하세요 여러분" }, alice),
  );
  const seq = (created.body as { seq: number }).seq;
  await run.call(
    app,
    "create too long",
    "/board",
    json({ title: "x".repeat(31), content: "c" }, alice),
  );
  await run.call(app, "create anonymous", "/board", json({ title: "t", content: "c" }));
  await run.call(app, "get", `/board/posts/${seq}`);
  await run.call(
    app,
    "replace by bob",
    `/board/posts/${seq}`,
    as("PUT", json({ title: "b", content: "b" }, bob)),
  );
  await run.call(
    app,
    "replace",
    `/board/posts/${seq}`,
    as("PUT", json({ title: "고친 글", content: "😀 emoji and café" }, alice)),
  );
  await run.call(app, "get replaced", `/board/posts/${seq}`);
  await run.call(app, "latest 3", "/board/3");
  await run.call(app, "delete", `/board/posts/${seq}`, as("DELETE", bearer(alice)));
  await run.call(app, "get deleted", `/board/posts/${seq}`);
  await run.call(app, "delete again", `/board/posts/${seq}`, as("DELETE", bearer(alice)));
  await run.call(app, "bad count", "/board/0");
});

contractTest("paging: GET /board and /board/search follow Link to the end", async (run) => {
  const app = await run.open();
  const token = await signIn(run, app, "writer");
  for (let i = 0; i < 7; i++) {
    await run.call(
      app,
      `post ${i}`,
      "/board",
      json({ title: `게시판 ${i}`, content: `자유게시판 글 ${i}` }, token),
    );
  }
  await follow(run, app, "board", "/board?limit=3");
  await follow(run, app, "search", `/board/search?q=${encodeURIComponent("게시판")}&limit=2`);
});

contractTest(
  "search: Korean substrings, normalisation, LIKE's special characters, 400s",
  async (run) => {
    const app = await run.open({ demoData: false });
    const token = await signIn(run, app, "writer");
    const posts: [string, string][] = [
      ["자유게시판에", "글을 남겨 주세요"],
      ["공지사항", "이번 주 점검 일정"],
      ["Café", "Crème brûlée STRASSE"],
      ["100% sure", "a_b and a\\b"],
    ];
    for (const [title, content] of posts) {
      await run.call(app, `post ${title}`, "/board", json({ title, content }, token));
    }
    for (
      const q of [
        "게시판",
        "공지",
        "게시판 글을",
        "cafe",
        "CRÈME",
        "straße",
        "100%",
        "a_b",
        "a\\b",
        "없는",
        "가",
        "",
        "  ",
      ]
    ) {
      await run.call(
        app,
        `search ${JSON.stringify(q)}`,
        `/board/search?q=${encodeURIComponent(q)}`,
      );
    }
  },
);

contractTest("accounts: register, sign-in failures, me, password change, logout", async (run) => {
  const app = await run.open();
  const token = await signIn(run, app, "carol");
  await run.call(
    app,
    "register taken",
    "/register",
    json({ username: "carol", password: passwordOf("carol") }),
  );
  await run.call(
    app,
    "register bad name",
    "/register",
    json({ username: "X!", password: "long enough password" }),
  );
  await run.call(
    app,
    "login wrong",
    "/login",
    json({ username: "carol", password: "wrong password 1" }),
  );
  await run.call(app, "me", "/me", bearer(token));
  await run.call(
    app,
    "change password",
    "/me/password",
    as("PUT", {
      ...json({ current_password: passwordOf("carol"), new_password: "a brand new password" }),
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    }),
  );
  await run.call(
    app,
    "login new",
    "/login",
    json({ username: "carol", password: "a brand new password" }),
  );
  await run.call(app, "logout", "/logout", { method: "POST", ...bearer(token) });
  await run.call(app, "me after logout", "/me", bearer(token));
});

contractTest(
  "sessions: signed in on one instance, used on another of the same database",
  async (run) => {
    const one = await run.open();
    const two = await run.open();
    const token = await signIn(run, one, "dave");
    await run.call(two, "me on the other", "/me", bearer(token));
    const created = await run.call(
      two,
      "post on the other",
      "/board",
      json({ title: "둘", content: "다른 인스턴스" }, token),
    );
    await run.call(
      one,
      "read on the first",
      `/board/posts/${(created.body as { seq: number }).seq}`,
    );
    await run.call(one, "logout on the first", "/logout", { method: "POST", ...bearer(token) });
    await run.call(two, "me on the other after logout", "/me", bearer(token));
  },
);

contractTest("/log: filters and paging over the same calls", async (run) => {
  // Rows land only at logRows(): a flush timer firing between the /log calls would put their
  // own rows into later answers on one engine and not the other (a loaded machine's timing).
  const app = await run.open({ settings: { LOG_API_FLUSH_MS: "10000" } });
  for (const path of ["/board/5", "/board/2", "/board/posts/999", "/nope", "/board/5?x=1"]) {
    await run.call(app, `call ${path}`, path);
  }
  await app.logRows();
  await follow(run, app, "log", "/log?limit=2");
  for (
    const query of [
      "url=/board/5",
      "status=404",
      "method=GET&limit=3",
      "user_id=nobody",
      "since=2000-01-01T00:00:00.000Z&until=2100-01-01T00:00:00.000Z&limit=1",
    ]
  ) {
    await run.call(app, `log ${query}`, `/log?${query}`);
  }
  await run.call(app, "log bad status", "/log?status=abc");
});

contractTest("admin views: users, a user's posts, role and disabled changes", async (run) => {
  const app = await run.open({ settings: { LOG_API_PUBLIC: "false" } });
  const admin = await app.signUp("root", "admin");
  const erin = await signIn(run, app, "erin");
  await run.call(
    app,
    "erin posts",
    "/board",
    json({ title: "erin", content: "erin's post" }, erin),
  );
  await run.call(app, "users", "/admin/users", bearer(admin));
  await run.call(app, "users page", "/admin/users?limit=1", bearer(admin));
  await run.call(app, "erin's posts", "/admin/users/erin/posts", bearer(admin));
  await run.call(app, "nobody's posts", "/admin/users/nobody/posts", bearer(admin));
  await run.call(app, "users as erin", "/admin/users", bearer(erin));
  await run.call(app, "log as erin", "/log", bearer(erin));
  await run.call(
    app,
    "disable erin",
    "/admin/users/erin",
    as("PATCH", json({ disabled: true }, admin)),
  );
  await run.call(app, "erin disabled", "/me", bearer(erin));
  await run.call(
    app,
    "promote",
    "/admin/users/erin",
    as("PATCH", json({ role: "admin", disabled: false }, admin)),
  );
});

contractTest("NUL characters, which PostgreSQL cannot store, answer as on SQLite", async (run) => {
  const app = await run.open({ settings: { LOG_API_PUBLIC: "true" } });
  const admin = await app.signUp("root", "admin");
  await run.call(
    app,
    "login",
    "/login",
    json({ username: "a\u0000b", password: "whatever it is" }),
  );
  await run.call(
    app,
    "register",
    "/register",
    json({ username: "a\u0000b", password: "long enough 1" }),
  );
  await run.call(app, "post", "/board", json({ title: "a\u0000b", content: "x" }, admin));
  await run.call(app, "search", "/board/search?q=welcome%00");
  for (const query of ["url=/board%00", "user_id=a%00b", "method=GE%00T", "status=2%000"]) {
    await run.call(app, `log ${query}`, `/log?${query}`);
  }
  await run.call(app, "user's posts", "/admin/users/a%00b/posts", bearer(admin));
  await run.call(
    app,
    "patch user",
    "/admin/users/a%00b",
    as("PATCH", json({ disabled: true }, admin)),
  );
});

contractTest("retention: rows past LOG_API_MAX_ROWS are pruned the same way", async (run) => {
  const app = await run.open({
    settings: { LOG_API_MAX_ROWS: "3", LOG_API_PRUNE_INTERVAL_MS: "10" },
  });
  for (let i = 1; i <= 6; i++) await run.call(app, `call ${i}`, `/board/${i}`);
  await app.logRows();
  const deadline = Date.now() + 10_000;
  while ((await app.logRows()).length > 3) {
    assert.ok(Date.now() < deadline, "retention pruned within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Pruning keeps at most 3 of the rows that existed when it started; later calls add theirs.
  await run.call(app, "log after pruning", "/log?url=/board/6");
}, true);
