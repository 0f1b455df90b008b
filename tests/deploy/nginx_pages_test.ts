/**
 * @module The pages behind the shipped nginx config: the origin check accepts a form from the
 * public HTTPS origin (as nginx forwards it) and refuses any other, and the session cookie is
 * Secure there. Needs nginx and curl (CI installs both).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { curl, SERVER_NAME, startNginx, viaNginx } from "../../testing/nginx.ts";
import { poll } from "../../testing/poll.ts";
import { startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { toolInstalled } from "../../testing/tools.ts";

Deno.test("Through nginx a sign-in form from the public HTTPS origin is accepted and any other origin is refused", async () => {
  const installed = await toolInstalled("nginx", { versionArg: "-v", aptPackage: "nginx" }) &&
    await toolInstalled("curl", { versionArg: "--version", aptPackage: "curl" });
  if (!installed) return;
  await using dir = await tempDir();
  await using server = await startServer({
    TRUSTED_PROXIES: "127.0.0.1/32",
    ADMIN_PASSWORD: "admin-password-1",
  }, dir.path);
  await using nginx = await startNginx(server.port);
  const form = join(dir.path, "form.txt");
  await Deno.writeTextFile(form, "username=admin&password=admin-password-1&next=%2F");
  const publicOrigin = `https://${SERVER_NAME}:${nginx.httpsPort}`;
  const signIn = (origin: string) =>
    curl(viaNginx(nginx, "/signin"), {
      method: "POST",
      headers: { origin, "content-type": "application/x-www-form-urlencoded" },
      bodyFile: form,
    });
  // The first admin is created just after the listener opens.
  const accepted = await poll(async () => {
    const answer = await signIn(publicOrigin);
    return answer.status !== 401 && answer;
  }, { what: "the first admin's sign-in" });
  assert.equal(accepted.status, 303, accepted.body);
  assert.equal(accepted.headers.get("location"), "/");
  assert.match(accepted.headers.get("set-cookie") ?? "", /otel_board_session=.*; Secure/);
  for (const origin of [`http://127.0.0.1:${server.port}`, `http://${SERVER_NAME}`, "null"]) {
    const refused = await signIn(origin);
    assert.equal(refused.status, 403, origin);
    assert.match(refused.headers.get("content-type") ?? "", /^text\/html/);
  }
});
