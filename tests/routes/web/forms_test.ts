/** @module The pages' forms in process: sign-in refusals and limits, password change, admin user changes, paging. */

import assert from "node:assert/strict";
import { SESSION_COOKIE } from "../../../http/auth.ts";
import { passwordOf, testApp } from "../../../testing/test_app.ts";

const SAME_ORIGIN = {
  "content-type": "application/x-www-form-urlencoded",
  origin: "http://localhost",
};

function post(fields: Record<string, string>, token?: string): RequestInit {
  return {
    method: "POST",
    headers: {
      ...SAME_ORIGIN,
      ...(token === undefined ? {} : { cookie: `${SESSION_COOKIE}=${token}` }),
    },
    body: new URLSearchParams(fields).toString(),
  };
}

Deno.test("A wrong password re-shows the sign-in form 401; past the limit the page answers 429 with Retry-After", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_LOGIN: "2/1m" } });
  await t.signUp("minji");
  const wrong = await t.request(
    "/signin",
    post({ username: "minji", password: "nope" }),
  );
  assert.equal(wrong.status, 401);
  const html = await wrong.text();
  assert.match(html, /아이디 또는 비밀번호가 틀렸습니다/);
  assert.match(html, /value="minji"/, "the username is kept, the password is not");
  const right = await t.request(
    "/signin",
    post({ username: "minji", password: passwordOf("minji"), next: "/write" }),
  );
  assert.equal(right.status, 303);
  assert.equal(right.headers.get("location"), "/write");
  assert.match(
    right.headers.get("set-cookie")!,
    /^otel_board_session=[\w-]{43}; .*HttpOnly; SameSite=Lax$/,
  );
  const limited = await t.request("/signin", post({ username: "minji", password: "x" }));
  assert.equal(limited.status, 429);
  assert.match(limited.headers.get("retry-after")!, /^\d+$/);
  assert.match(limited.headers.get("content-type")!, /^text\/html/);
  assert.match(await limited.text(), /요청이 너무 많습니다/);
});

Deno.test("Sign-in never redirects off the site, whatever next says", async () => {
  using t = await testApp();
  await t.signUp("minji");
  for (
    const next of ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
  ) {
    const answer = await t.request(
      "/signin",
      post({ username: "minji", password: passwordOf("minji"), next }),
    );
    assert.equal(answer.headers.get("location"), "/", next);
  }
});

Deno.test("The password form changes the password, or shows the field it refused", async () => {
  using t = await testApp();
  const token = await t.signUp("minji");
  const short = await t.request(
    "/account",
    post({ current_password: passwordOf("minji"), new_password: "short" }, token),
  );
  assert.equal(short.status, 400);
  assert.match(
    await short.text(),
    /id="field-new_password-error" role="alert">새 비밀번호는 8~256자/,
  );
  const wrong = await t.request(
    "/account",
    post({ current_password: "not-it-at-all", new_password: "long-enough-2" }, token),
  );
  assert.equal(wrong.status, 403);
  assert.match(
    await wrong.text(),
    /id="field-current_password-error" role="alert">현재 비밀번호가/,
  );
  const changed = await t.request(
    "/account",
    post({ current_password: passwordOf("minji"), new_password: "long-enough-2" }, token),
  );
  assert.equal(changed.status, 303);
  assert.equal(changed.headers.get("location"), "/account?changed=1");
  assert.ok(await t.accounts.login("minji", "long-enough-2"));
});

Deno.test("An admin changes a user's role and disables them from /manage/users; the last admin stays", async () => {
  using t = await testApp();
  const admin = await t.signUp("root", "admin");
  const userToken = await t.signUp("junho");
  const changed = await t.request(
    "/manage/users/junho",
    post({ role: "admin", disabled: "on" }, admin),
  );
  assert.equal(changed.status, 303);
  assert.equal(changed.headers.get("location"), "/manage/users?saved=junho");
  assert.deepEqual(
    { ...await t.accounts.find("junho"), created_at: "" },
    { username: "junho", role: "admin", disabled: true, created_at: "" },
  );
  assert.equal(await t.accounts.authenticate(userToken), undefined, "disabling signs them out");
  const list = await (await t.request("/manage/users?saved=junho", {
    headers: { cookie: `${SESSION_COOKIE}=${admin}` },
  })).text();
  assert.match(list, /junho 님의 설정을 저장했습니다/);
  assert.match(list, /<input type="checkbox" id="user-junho-disabled" name="disabled" checked/);
  const lastAdmin = await t.request(
    "/manage/users/root",
    post({ role: "user" }, admin),
  );
  assert.equal(lastAdmin.status, 409);
  assert.match(await lastAdmin.text(), /last active admin/);
});

Deno.test("The board pages 20 posts at a time with the API's before cursor", async () => {
  using t = await testApp({ demoData: false });
  const token = await t.signUp("writer");
  for (let i = 1; i <= 25; i++) {
    await t.request("/write", post({ title: `post ${i}`, content: "x" }, token));
  }
  const first = await (await t.request("/")).text();
  const titles = (html: string) =>
    [...html.matchAll(/<h2><a href="\/posts\/\d+">([^<]+)</g)].map((m) => m[1]);
  assert.equal(titles(first).length, 20);
  assert.equal(titles(first)[0], "post 25");
  const older = /<a href="(\/\?before=\d+)" rel="next">/.exec(first)?.[1];
  assert.equal(older, "/?before=6");
  const second = await (await t.request(older!)).text();
  assert.deepEqual(titles(second), ["post 5", "post 4", "post 3", "post 2", "post 1"]);
  assert.ok(!second.includes('rel="next"'), "the last page has no older link");
  assert.match(second, /<a href="\/">← 최신<\/a>/);
});
