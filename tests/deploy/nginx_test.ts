/**
 * @module otel-board behind a real nginx running the shipped deploy/nginx configs: client
 * address, trace context, body cap, redirects and what the public site hides. Needs nginx
 * and curl (CI installs both); without them each test says "skipped" locally.
 */

import { freePort } from "../../testing/free_port.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { logRowsInFile } from "../../testing/log_api_rows.ts";
import { type ServerProcess, startServer } from "../../testing/server_process.ts";
import { poll } from "../../testing/poll.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { toolInstalled } from "../../testing/tools.ts";
import { type ReceivedSpan } from "../../testing/otlp_decode.ts";
import { startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import {
  CLIENT_ADDRESS,
  curl,
  LINUX_CONF_PATH,
  linuxConfForTest,
  nginxConfigTest,
  type RunningNginx,
  SERVER_CERT_PATH,
  SERVER_KEY_PATH,
  SERVER_NAME,
  SITE_CONF_PATH,
  siteConfForTest,
  startNginx,
  viaNginx,
  WINDOWS_CONF_PATH,
} from "../../testing/nginx.ts";

const MAX_BODY_BYTES = 65536;

/** Whether nginx and curl are here (else skipped, or failed under CI=true). */
async function toolsInstalled(): Promise<boolean> {
  return await toolInstalled("nginx", { versionArg: "-v", aptPackage: "nginx" }) &&
    await toolInstalled("curl", { versionArg: "--version", aptPackage: "curl" });
}

/** Settings for otel-board behind nginx: nginx (127.0.0.1) is the only trusted proxy. */
function behindNginx(extra: Record<string, string> = {}): Record<string, string> {
  return { TRUSTED_PROXIES: "127.0.0.1/32", ...extra };
}

/** Settings that export the service's spans promptly to the receiver at `url`. */
function tracesTo(url: string): Record<string, string> {
  return {
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_BSP_SCHEDULE_DELAY: "50",
  };
}

/** Stops the server (SIGTERM: pending rows are written) and reads its log_api rows. */
async function stoppedLogRows(server: ServerProcess, dbDir: string) {
  const { code, stderr } = await server.stop();
  assert.equal(code, 0, stderr);
  return logRowsInFile(join(dbDir, "otel-board.db"));
}

async function waitForLine(nginx: RunningNginx, includes: string[]): Promise<string> {
  let accessLog = "";
  return await poll(async () => {
    accessLog = await nginx.accessLog();
    return accessLog.split("\n").find((l) => includes.every((part) => l.includes(part)));
  }, {
    what: `an access log line with ${includes.join(", ")}`,
    detail: () => `\n${accessLog}`,
  });
}

Deno.test("nginx -t accepts deploy/nginx/linux.conf (ports, paths and certificate swapped for the test)", async () => {
  if (!await toolsInstalled()) return;
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "logs"));
  await Deno.mkdir(join(dir.path, "temp"));
  const confPath = join(dir.path, "nginx.conf");
  await Deno.writeTextFile(
    confPath,
    linuxConfForTest(await Deno.readTextFile(LINUX_CONF_PATH), {
      prefix: dir.path,
      // `nginx -t` binds nothing, so any ports do.
      httpPort: 8080,
      httpsPort: 8443,
      upstreamPorts: [5000, 5001],
    }),
  );
  const { code, output } = await nginxConfigTest(dir.path, confPath);
  assert.equal(code, 0, output);
  assert.match(output, /test is successful/);
});

Deno.test("nginx -t accepts deploy/nginx/otel-board.conf included from an nginx.conf of the operator's, with two instances", async () => {
  if (!await toolsInstalled()) return;
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "logs"));
  await Deno.mkdir(join(dir.path, "temp"));
  const confPath = join(dir.path, "nginx.conf");
  await Deno.writeTextFile(
    confPath,
    await siteConfForTest({
      prefix: dir.path,
      httpPort: 8080,
      httpsPort: 8443,
      upstreamPorts: [5000, 5001],
    }),
  );
  const { code, output } = await nginxConfigTest(dir.path, confPath);
  assert.equal(code, 0, output);
  assert.match(output, /test is successful/);
});

Deno.test("nginx -t accepts deploy/nginx/windows.conf as is, in an nginx for Windows folder", async () => {
  if (!await toolsInstalled()) return;
  await using dir = await tempDir();
  // nginx.exe's folder: conf\nginx.conf, logs\, temp\, and the placeholder certificate files.
  await Deno.mkdir(join(dir.path, "conf/tls"), { recursive: true });
  await Deno.mkdir(join(dir.path, "logs"));
  await Deno.mkdir(join(dir.path, "temp"));
  await Deno.copyFile(WINDOWS_CONF_PATH, join(dir.path, "conf/nginx.conf"));
  await Deno.copyFile(SERVER_CERT_PATH, join(dir.path, "conf/tls/otel-board.crt"));
  await Deno.copyFile(SERVER_KEY_PATH, join(dir.path, "conf/tls/otel-board.key"));
  const { code, output } = await nginxConfigTest(`${dir.path}/`, "conf/nginx.conf");
  assert.equal(code, 0, output);
  assert.match(output, /test is successful/);
  // Every path it used stayed inside the folder.
  assert.ok((await Deno.stat(join(dir.path, "temp/proxy_temp"))).isDirectory);
  assert.ok((await Deno.stat(join(dir.path, "logs/access.log"))).isFile);
});

/** Every directive line of `conf`, trimmed, comments and blank lines dropped. */
function directiveLines(conf: string): string[] {
  return conf.split("\n").map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Settings linux.conf makes for its whole http block, and the site file for its servers. */
const SITE_SCOPED =
  /^(?:server_tokens|access_log|client_header_timeout|client_body_timeout|send_timeout|keepalive_timeout|client_max_body_size|client_body_buffer_size) /;

Deno.test("deploy/nginx/otel-board.conf proxies exactly as linux.conf does; linux.conf's http-wide settings are its HTTPS server's", async () => {
  const linux = directiveLines(await Deno.readTextFile(LINUX_CONF_PATH));
  const site = directiveLines(await Deno.readTextFile(SITE_CONF_PATH));
  // linux.conf's http block from log_format on, without the `}` that closes it.
  const linuxSite = linux.slice(linux.findIndex((line) => line.startsWith("log_format ")), -1);
  assert.ok(linuxSite.length > 50, "the tested part of linux.conf was found");
  assert.deepEqual(
    site.filter((line) => !SITE_SCOPED.test(line)),
    linuxSite.filter((line) => !SITE_SCOPED.test(line)),
  );
  const httpWide = linux.slice(0, linux.findIndex((line) => line.startsWith("upstream ")))
    .filter((line) => SITE_SCOPED.test(line));
  assert.equal(httpWide.length, 8);
  const httpsServer = site.slice(site.indexOf("listen 443 ssl;"));
  for (const line of httpWide) assert.ok(httpsServer.includes(line), line);
  assert.deepEqual(
    site.filter((line) => line.startsWith("access_log ")),
    linux.filter((line) => line.startsWith("access_log ")).concat(
      linux.filter((line) => line.startsWith("access_log ")),
    ),
    "the redirecting server logs as linux.conf does too",
  );
});

/** The directives from `client_header_timeout` on, comments and blank lines dropped. */
function proxyDirectives(conf: string): string[] {
  const lines = conf.split("\n").map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  return lines.slice(lines.findIndex((line) => line.startsWith("client_header_timeout ")));
}

Deno.test("deploy/nginx/windows.conf proxies exactly as linux.conf does: only paths, workers and user differ", async () => {
  const linux = proxyDirectives(await Deno.readTextFile(LINUX_CONF_PATH));
  const windows = proxyDirectives(await Deno.readTextFile(WINDOWS_CONF_PATH));
  assert.ok(linux.length > 40, "the tested part of linux.conf was found");
  const certificates: Record<string, string> = {
    "ssl_certificate tls/otel-board.crt;": "ssl_certificate /etc/nginx/tls/otel-board.crt;",
    "ssl_certificate_key tls/otel-board.key;": "ssl_certificate_key /etc/nginx/tls/otel-board.key;",
  };
  assert.deepEqual(windows.map((line) => certificates[line] ?? line), linux);
});

for (const site of [false, true]) {
  Deno.test(`GET /board/5 through nginx (${site ? "the site file" : "linux.conf"}) over HTTPS answers 5 posts and logs the client's address, not nginx's`, async () => {
    if (!await toolsInstalled()) return;
    await using dir = await tempDir();
    await using server = await startServer(behindNginx(), dir.path);
    await using nginx = await startNginx(server.port, { site });
    const response = await curl(viaNginx(nginx, "/board/5"));
    assert.equal(response.status, 200, response.body);
    assert.equal((JSON.parse(response.body) as unknown[]).length, 5);
    // The site's own access log, in its own format.
    const line = await waitForLine(nginx, ['"GET /board/5 HTTP/1.1" 200']);
    assert.match(line, / trace_id=/);
    await nginx.stop();
    const rows = await stoppedLogRows(server, dir.path);
    assert.deepEqual(
      rows.map((r) => [r.method, r.call_url, r.status, r.user_ip]),
      [["GET", "/board/5", 200, CLIENT_ADDRESS]],
    );
  });
}

Deno.test("plain HTTP through nginx answers 301 to the same URL over HTTPS", async () => {
  if (!await toolsInstalled()) return;
  // Nothing reaches the upstream, so none needs to run.
  await using nginx = await startNginx(freePort());
  const response = await curl(`http://127.0.0.1:${nginx.httpPort}/board/5?limit=2`, {
    headers: { Host: SERVER_NAME },
  });
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), `https://${SERVER_NAME}/board/5?limit=2`);
});

Deno.test("A forged X-Forwarded-For, through nginx or straight to the service, does not change the logged client address", async () => {
  if (!await toolsInstalled()) return;
  await using dir = await tempDir();
  await using server = await startServer(behindNginx(), dir.path);
  await using nginx = await startNginx(server.port);
  const forged = await curl(viaNginx(nginx, "/board/1"), {
    headers: { "X-Forwarded-For": "6.6.6.6", "X-Real-IP": "6.6.6.6" },
  });
  assert.equal(forged.status, 200, forged.body);
  // /board/1 came through nginx; /board/2 straight from 127.0.0.5 (not a trusted proxy).
  const direct = await curl(`${server.baseUrl}/board/2`, {
    headers: { "X-Forwarded-For": "6.6.6.6", "X-Real-IP": "6.6.6.6" },
  });
  assert.equal(direct.status, 200, direct.body);
  await nginx.stop();
  const rows = await stoppedLogRows(server, dir.path);
  assert.deepEqual(
    rows.map((r) => [r.call_url, r.status, r.user_ip]),
    [["/board/1", 200, CLIENT_ADDRESS], ["/board/2", 200, CLIENT_ADDRESS]],
  );
});

Deno.test("A traceparent sent through nginx puts the service's SERVER span in the caller's trace, and nginx logs its trace id", async () => {
  if (!await toolsInstalled()) return;
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parentSpanId = "00f067aa0ba902b7";
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    behindNginx(tracesTo(receiver.url)),
    dir.path,
  );
  await using nginx = await startNginx(server.port);
  const response = await curl(viaNginx(nginx, "/board/5"), {
    headers: { traceparent: `00-${traceId}-${parentSpanId}-01`, tracestate: "vendor=one" },
  });
  assert.equal(response.status, 200, response.body);
  assert.equal(response.headers.get("x-trace-id"), traceId);
  const span = await receiver.waitFor(
    () => receiver.spans().find((s: ReceivedSpan) => s.traceId === traceId && s.kind === "SERVER"),
    { what: "the SERVER span of GET /board/5" },
  );
  assert.equal(span.name, "GET /board/:count");
  assert.equal(span.parentSpanId, parentSpanId);
  assert.equal(span.attributes["client.address"], CLIENT_ADDRESS);
  const line = await waitForLine(nginx, ['"GET /board/5 HTTP/1.1" 200', `trace_id=${traceId}`]);
  assert.match(line, new RegExp(`^${CLIENT_ADDRESS.replaceAll(".", "\\.")} `));
  assert.match(line, / request_time=\d+\.\d{3} upstream_time=\d+\.\d{3} /);
});

Deno.test("Through nginx on a non-default HTTPS port, the SERVER span has url.scheme https, the public name and nginx's port", async () => {
  if (!await toolsInstalled()) return;
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    behindNginx(tracesTo(receiver.url)),
    dir.path,
  );
  await using nginx = await startNginx(server.port);
  assert.notEqual(nginx.httpsPort, 443);
  const response = await curl(viaNginx(nginx, "/board/3"));
  assert.equal(response.status, 200, response.body);
  const traceId = response.headers.get("x-trace-id");
  const span = await receiver.waitFor(
    () => receiver.spans().find((s: ReceivedSpan) => s.traceId === traceId && s.kind === "SERVER"),
    { what: "the SERVER span of GET /board/3" },
  );
  assert.equal(span.attributes["url.scheme"], "https");
  assert.equal(span.attributes["server.address"], SERVER_NAME);
  assert.equal(span.attributes["server.port"], nginx.httpsPort);
  assert.notEqual(span.attributes["server.port"], server.port, "not the upstream's port");
});

Deno.test("A body over 64 KiB gets nginx's own 413 problem, with the service's fields, and never reaches the service", async () => {
  if (!await toolsInstalled()) return;
  await using dir = await tempDir();
  await using server = await startServer(behindNginx(), dir.path);
  await using nginx = await startNginx(server.port);
  const tooLarge = join(dir.path, "too-large.txt");
  await Deno.writeTextFile(tooLarge, "a".repeat(MAX_BODY_BYTES + 1));
  const atCap = join(dir.path, "at-cap.txt");
  await Deno.writeTextFile(atCap, "a".repeat(MAX_BODY_BYTES));

  const fromNginx = await curl(viaNginx(nginx, "/board/5?via=nginx"), { bodyFile: tooLarge });
  const fromService = await curl(`${server.baseUrl}/board/5?via=direct`, { bodyFile: tooLarge });
  // The same cap on both sides: a body of exactly MAX_BODY_BYTES passes nginx (and then
  // meets the 405 of a GET-only path).
  const passed = await curl(viaNginx(nginx, "/board/5?via=nginx-at-cap"), { bodyFile: atCap });

  for (const response of [fromNginx, fromService]) {
    assert.equal(response.status, 413, response.body);
    assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json\b/);
    assert.equal(response.headers.get("cache-control"), "no-store");
  }
  assert.equal(fromNginx.headers.get("x-trace-id"), null, "the 413 came from nginx itself");
  const nginxProblem = JSON.parse(fromNginx.body);
  const serviceProblem = JSON.parse(fromService.body);
  assert.equal(nginxProblem.code, "payload_too_large");
  assert.equal(nginxProblem.trace_id, null);
  assert.deepEqual(
    { ...nginxProblem, trace_id: serviceProblem.trace_id },
    serviceProblem,
    "nginx's problem has the service's fields and values (but no trace id)",
  );
  assert.deepEqual(Object.keys(nginxProblem), Object.keys(serviceProblem));
  assert.equal(passed.status, 405, passed.body);

  await nginx.stop();
  const rows = await stoppedLogRows(server, dir.path);
  assert.deepEqual(
    rows.map((r) => [r.method, r.call_url_parameter, r.status, r.user_ip]),
    [
      ["POST", "via=direct", 413, CLIENT_ADDRESS],
      ["POST", "via=nginx-at-cap", 405, CLIENT_ADDRESS],
    ],
  );
});

for (const site of [false, true]) {
  Deno.test(`/metrics, /healthz and /readyz answer 404 through nginx (${site ? "the site file" : "linux.conf"}) while the service answers them directly`, async () => {
    if (!await toolsInstalled()) return;
    await using dir = await tempDir();
    await using server = await startServer(
      behindNginx({ OTEL_METRICS_EXPORTER: "prometheus" }),
      dir.path,
    );
    await using nginx = await startNginx(server.port, { site });
    for (const path of ["/metrics", "/healthz", "/readyz"]) {
      const direct = await curl(`${server.baseUrl}${path}`);
      assert.equal(direct.status, 200, `${path} directly: ${direct.body}`);
      const hidden = await curl(viaNginx(nginx, path));
      assert.equal(hidden.status, 404, `${path} through nginx: ${hidden.body}`);
      assert.match(hidden.headers.get("content-type") ?? "", /^application\/problem\+json\b/);
      assert.deepEqual(JSON.parse(hidden.body), {
        type: "about:blank",
        title: "Not Found",
        status: 404,
        detail: `There is no resource at ${path}`,
        code: "not_found",
        instance: path,
        trace_id: null,
      });
    }
    // A spelling nginx normalises to the same path is hidden too.
    const dotted = await curl(["--path-as-is", ...viaNginx(nginx, "/board/../metrics")]);
    assert.equal(dotted.status, 404, dotted.body);
    assert.equal(dotted.headers.get("x-trace-id"), null, "nginx answered, not the service");
  });
}
