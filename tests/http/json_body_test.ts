/** @module Tests for strict JSON object bodies: media type, syntax, shape and field types. */

import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "../../http/context.ts";
import { readJsonObject } from "../../http/json_body.ts";
import { ApiError, type ProblemBody, problemResponse } from "../../http/problem.ts";

const app = new Hono<AppEnv>()
  .post(
    "/posts",
    async (c) => c.json(await readJsonObject(c, { title: "string", content: "string" })),
  )
  .post("/empty", async (c) => c.json(await readJsonObject(c, {})))
  .patch("/users", async (c) => {
    const body = await readJsonObject(c, {
      role: "string?",
      disabled: "boolean?",
      note: "boolean",
    });
    const typed: { role?: string; disabled?: boolean; note: boolean } = body;
    return c.json(typed);
  })
  .put("/loose", async (c) => {
    const spec: Readonly<Record<string, "string">> = { name: "string" };
    const body: Record<string, string> = await readJsonObject(c, spec);
    return c.json(body);
  })
  .onError((error, c) => {
    if (!(error instanceof ApiError)) throw error;
    return problemResponse(error.code, error.message, {
      instance: c.req.path,
      traceId: null,
      headers: error.headers,
    });
  });

/** POSTs `body` as bytes, so no content type is added unless given. */
function post(body: string, contentType: string | null = "application/json", path = "/posts") {
  const headers = new Headers();
  if (contentType !== null) headers.set("content-type", contentType);
  return app.request(path, { method: "POST", headers, body: new TextEncoder().encode(body) });
}

async function problem(response: Response, status: number): Promise<ProblemBody> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
  return await response.json();
}

const VALID = JSON.stringify({ title: "Hello", content: "World" });

Deno.test("readJsonObject returns the declared string fields", async () => {
  const response = await post(VALID);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { title: "Hello", content: "World" });
});

Deno.test("readJsonObject accepts a UTF-8 charset parameter and any case", async () => {
  for (
    const type of [
      "application/json; charset=utf-8",
      "application/json;charset=UTF-8",
      'application/json; charset="utf-8"',
      "Application/JSON",
      " application/json ; charset=utf8",
    ]
  ) {
    const response = await post(VALID, type);
    assert.equal(response.status, 200, type);
    assert.deepEqual(await response.json(), { title: "Hello", content: "World" });
  }
});

Deno.test("readJsonObject keeps unicode text intact", async () => {
  const fields = {
    title: "Grüße 👋 世界",
    content: 'quote " backslash \\ tab \t nul \u0000 \u2028',
  };
  const response = await post(JSON.stringify(fields));
  assert.deepEqual(await response.json(), fields);
  const escaped = await post('{"title": "\\u00e9\\ud83d\\ude00", "content": ""}');
  assert.deepEqual(await escaped.json(), { title: "é😀", content: "" });
  const bom = await post(`\uFEFF${VALID}`);
  assert.deepEqual(await bom.json(), { title: "Hello", content: "World" });
});

Deno.test("readJsonObject answers 415 for a body that is not application/json", async () => {
  const cases: [string, string][] = [
    ["text/plain", 'Send the body as application/json (got "text/plain")'],
    [
      "application/x-www-form-urlencoded",
      'Send the body as application/json (got "application/x-www-form-urlencoded")',
    ],
    ["application/jsonx", 'Send the body as application/json (got "application/jsonx")'],
    [
      "application/merge-patch+json",
      'Send the body as application/json (got "application/merge-patch+json")',
    ],
    [
      `text/${"x".repeat(100)}`,
      `Send the body as application/json (got "text/${"x".repeat(35)}…")`,
    ],
  ];
  for (const [type, detail] of cases) {
    const body = await problem(await post(VALID, type), 415);
    assert.equal(body.code, "unsupported_media_type");
    assert.equal(body.detail, detail);
  }
});

Deno.test("readJsonObject answers 415 without a Content-Type or with a non-UTF-8 charset", async () => {
  const missing = await problem(await post(VALID, null), 415);
  assert.equal(missing.detail, "Send the body as application/json (got no Content-Type header)");
  const latin1 = await problem(await post(VALID, "application/json; charset=ISO-8859-1"), 415);
  assert.equal(latin1.detail, 'Send the body as UTF-8 application/json (got charset "iso-8859-1")');
});

Deno.test("readJsonObject answers 400 malformed_json for text that is not JSON", async () => {
  for (const text of ["{", "{title: 1}", "abc", '{"title": "a",}', "'x'"]) {
    const body = await problem(await post(text), 400);
    assert.equal(body.code, "malformed_json");
    assert.match(body.detail, /^Cannot parse the request body: /, text);
  }
  for (const text of ["", "  \n"]) {
    const body = await problem(await post(text), 400);
    assert.equal(body.detail, "Cannot parse the request body: it is empty");
  }
});

Deno.test("readJsonObject echoes at most a few characters of a long malformed body", async () => {
  const secret = "s".repeat(500);
  const body = await problem(await post(`${secret}!`), 400);
  assert.equal(body.code, "malformed_json");
  assert.ok(!body.detail.includes("s".repeat(41)), body.detail);
  assert.ok(body.detail.length < 200, body.detail);
});

Deno.test("readJsonObject answers 400 invalid_body for JSON that is not an object", async () => {
  const cases: [string, string][] = [
    ["[]", "an array"],
    ['[{"title": "a", "content": "b"}]', "an array"],
    ["null", "null"],
    ['"text"', "a string"],
    ["42", "a number"],
    ["true", "a boolean"],
  ];
  for (const [text, kind] of cases) {
    const body = await problem(await post(text), 400);
    assert.equal(body.code, "invalid_body");
    assert.equal(body.detail, `The request body must be a JSON object, got ${kind}`);
  }
});

Deno.test("readJsonObject names an unknown field and the accepted ones", async () => {
  const body = await problem(await post('{"title": "a", "content": "b", "seq": 1}'), 400);
  assert.equal(body.code, "invalid_body");
  assert.equal(body.detail, 'Unknown field "seq": accepted fields are title, content');
  const proto = await problem(await post('{"__proto__": {"x": 1}, "title": "a"}'), 400);
  assert.equal(proto.detail, 'Unknown field "__proto__": accepted fields are title, content');
  const long = await problem(await post(`{"${"k".repeat(300)}": 1}`), 400);
  assert.equal(
    long.detail,
    `Unknown field "${"k".repeat(40)}…": accepted fields are title, content`,
  );
});

Deno.test("readJsonObject names a missing field", async () => {
  const noTitle = await problem(await post('{"content": "b"}'), 400);
  assert.equal(noTitle.code, "invalid_body");
  assert.equal(noTitle.detail, 'Missing field "title"');
  const none = await problem(await post("{}"), 400);
  assert.equal(none.detail, 'Missing field "title"');
  const noContent = await problem(await post('{"title": "a"}'), 400);
  assert.equal(noContent.detail, 'Missing field "content"');
});

Deno.test("readJsonObject names a field of the wrong type", async () => {
  for (const value of ["1", "null", "true", "[]", '{"a": "b"}', '["a"]']) {
    const body = await problem(await post(`{"title": ${value}, "content": "b"}`), 400);
    assert.equal(body.code, "invalid_body");
    assert.equal(body.detail, 'Field "title" must be a string', value);
  }
  const content = await problem(await post('{"title": "a", "content": 3}'), 400);
  assert.equal(content.detail, 'Field "content" must be a string');
});

Deno.test("readJsonObject with no fields accepts only an empty object", async () => {
  const ok = await post("{}", "application/json", "/empty");
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), {});
  const extra = await problem(await post('{"a": "b"}', "application/json", "/empty"), 400);
  assert.equal(extra.detail, 'Unknown field "a": this endpoint takes an empty object');
});

Deno.test("readJsonObject lets optional fields be left out, but not be null", async () => {
  const patch = (body: string) =>
    app.request("/users", {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body,
    });
  const only = await patch('{"note": false}');
  assert.equal(only.status, 200);
  assert.deepEqual(await only.json(), { note: false });
  const all = await patch('{"note": true, "role": "admin", "disabled": true}');
  assert.deepEqual(await all.json(), { role: "admin", disabled: true, note: true });
  const nullRole = await problem(await patch('{"note": true, "role": null}'), 400);
  assert.equal(nullRole.detail, 'Field "role" must be a string');
  const stringFlag = await problem(await patch('{"note": true, "disabled": "yes"}'), 400);
  assert.equal(stringFlag.detail, 'Field "disabled" must be a boolean');
  const missing = await problem(await patch('{"role": "user"}'), 400);
  assert.equal(missing.detail, 'Missing field "note"');
  const unknown = await problem(await patch('{"note": true, "admin": true}'), 400);
  assert.equal(unknown.detail, 'Unknown field "admin": accepted fields are role, disabled, note');
});

Deno.test("readJsonObject takes a field spec typed as a plain record", async () => {
  const response = await app.request("/loose", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: '{"name": "x"}',
  });
  assert.deepEqual(await response.json(), { name: "x" });
});
