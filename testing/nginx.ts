/**
 * @module Runs the shipped deploy/nginx configs under a real nginx in a temp prefix, and curl
 * as a client on another loopback address.
 */

import { join } from "node:path";
import { ROOT } from "./root.ts";
import { TEST_CA_PATH } from "./otlp_receiver.ts";
import { errorMessage } from "../lib/error_message.ts";
import { settlesWithin } from "../lib/settles_within.ts";
import { freePort } from "./free_port.ts";
import { poll } from "./poll.ts";
import { replaceOnce } from "./replace_once.ts";

/** The shipped configs. */
export const LINUX_CONF_PATH: string = join(ROOT, "deploy/nginx/linux.conf");
export const WINDOWS_CONF_PATH: string = join(ROOT, "deploy/nginx/windows.conf");
/** The site file for an nginx that serves other sites too (conf.d/ or sites-available/). */
export const SITE_CONF_PATH: string = join(ROOT, "deploy/nginx/otel-board.conf");

/** The public name both configs serve. */
export const SERVER_NAME = "deno.sdk.otel-app.co.kr";

/** The address curl connects from: not nginx's (127.0.0.1), so never a trusted proxy. */
export const CLIENT_ADDRESS = "127.0.0.5";

/** The fixture certificate (localhost, signed by TEST_CA_PATH) and its key. */
export const SERVER_CERT_PATH: string = join(ROOT, "tests/fixtures/tls/server.pem");
export const SERVER_KEY_PATH: string = join(ROOT, "tests/fixtures/tls/server-key.pem");

/** What must differ from the shipped linux.conf to run it in a test. */
export interface LinuxConfTestSettings {
  /** The temp folder holding logs/, temp/ and the pid file. */
  readonly prefix: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  /** otel-board's ports: one `server` line each (127.0.0.1:5000 in the shipped file). */
  readonly upstreamPorts: readonly number[];
}

/** The upstream's `server` lines for `ports`, at `indent`. */
function serverLines(ports: readonly number[], indent: string): string {
  return ports.map((port) => `${indent}server 127.0.0.1:${port};\n`).join("");
}

/**
 * The shipped linux.conf with only these lines swapped, each matched exactly (a changed
 * shipped line fails loudly, so the tested file stays the shipped file): the worker `user`,
 * the pid, error and access log paths, the two `listen` ports (on 127.0.0.1), the upstream
 * port, the certificate and key (the test fixtures), and temp paths added inside the prefix.
 */
export function linuxConfForTest(shipped: string, settings: LinuxConfTestSettings): string {
  const { prefix } = settings;
  const at = (path: string) => JSON.stringify(join(prefix, path));
  const replacements: [string, string][] = [
    [
      "\nuser www-data;\n",
      // Workers as root can read the 0700 temp prefix; only root can switch users at all.
      Deno.uid() === 0 ? "\nuser root;\n" : "\n",
    ],
    ["\npid /run/nginx.pid;\n", `\npid ${at("nginx.pid")};\n`],
    [
      "\nerror_log /var/log/nginx/error.log warn;\n",
      `\nerror_log ${at("logs/error.log")} warn;\n`,
    ],
    [
      "    access_log /var/log/nginx/otel-board.access.log otel_board;\n",
      `    access_log ${at("logs/access.log")} otel_board;\n`,
    ],
    ["        listen 80;\n", `        listen 127.0.0.1:${settings.httpPort};\n`],
    ["        listen 443 ssl;\n", `        listen 127.0.0.1:${settings.httpsPort} ssl;\n`],
    ["        server 127.0.0.1:5000;\n", serverLines(settings.upstreamPorts, "        ")],
    [
      "        ssl_certificate /etc/nginx/tls/otel-board.crt;\n",
      `        ssl_certificate ${JSON.stringify(SERVER_CERT_PATH)};\n`,
    ],
    [
      "        ssl_certificate_key /etc/nginx/tls/otel-board.key;\n",
      `        ssl_certificate_key ${JSON.stringify(SERVER_KEY_PATH)};\n`,
    ],
    [
      // The compiled-in temp paths (/var/lib/nginx/… on Debian) are outside the prefix.
      "\nhttp {\n",
      "\nhttp {\n" +
      ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .map((kind) => `    ${kind}_temp_path ${at(`temp/${kind}`)};\n`).join(""),
    ],
  ];
  return replacements.reduce(
    (text, [from, to]) =>
      replaceOnce(text, from, to, `${LINUX_CONF_PATH} (update testing/nginx.ts with it)`),
    shipped,
  );
}

/**
 * A test nginx.conf that includes the shipped site file (written beside it as `site.conf`, with
 * the same swaps as {@link linuxConfForTest}): what an operator's own nginx.conf does. Resolves
 * with the nginx.conf text; the site file is written into the prefix.
 */
export async function siteConfForTest(settings: LinuxConfTestSettings): Promise<string> {
  const { prefix } = settings;
  const at = (path: string) => JSON.stringify(join(prefix, path));
  const where = `${SITE_CONF_PATH} (update testing/nginx.ts with it)`;
  const accessLog = "    access_log /var/log/nginx/otel-board.access.log otel_board;\n";
  let site = await Deno.readTextFile(SITE_CONF_PATH);
  // The same line in both servers.
  if (site.split(accessLog).length !== 3) {
    throw new Error(`Two access_log lines expected in ${where}`);
  }
  site = site.replaceAll(accessLog, `    access_log ${at("logs/access.log")} otel_board;\n`);
  const replacements: [string, string][] = [
    ["    listen 80;\n", `    listen 127.0.0.1:${settings.httpPort};\n`],
    ["    listen 443 ssl;\n", `    listen 127.0.0.1:${settings.httpsPort} ssl;\n`],
    ["    server 127.0.0.1:5000;\n", serverLines(settings.upstreamPorts, "    ")],
    [
      "    ssl_certificate /etc/nginx/tls/otel-board.crt;\n",
      `    ssl_certificate ${JSON.stringify(SERVER_CERT_PATH)};\n`,
    ],
    [
      "    ssl_certificate_key /etc/nginx/tls/otel-board.key;\n",
      `    ssl_certificate_key ${JSON.stringify(SERVER_KEY_PATH)};\n`,
    ],
  ];
  site = replacements.reduce((text, [from, to]) => replaceOnce(text, from, to, where), site);
  await Deno.writeTextFile(join(prefix, "site.conf"), site);
  // An operator's nginx.conf of its own, with other settings; only the include is ours.
  return [
    Deno.uid() === 0 ? "user root;" : "",
    `pid ${at("nginx.pid")};`,
    `error_log ${at("logs/error.log")} warn;`,
    "events {\n    worker_connections 64;\n}",
    "http {",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
      .map((kind) => `    ${kind}_temp_path ${at(`temp/${kind}`)};`),
    `    access_log ${at("logs/other-sites.log")};`,
    `    include ${at("site.conf")};`,
    "}",
    "",
  ].join("\n");
}

/** How a finished command ended. */
export interface CommandResult {
  readonly code: number;
  readonly output: string;
}

/** Runs `nginx -t` on `confPath` with `prefix`, in the foreground. */
export async function nginxConfigTest(prefix: string, confPath: string): Promise<CommandResult> {
  const output = await new Deno.Command("nginx", {
    args: ["-t", "-e", "stderr", "-p", prefix, "-c", confPath],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    output: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/** An nginx running the shipped linux.conf in a temp prefix. */
export interface RunningNginx extends AsyncDisposable {
  readonly prefix: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  /** The access log written so far. */
  accessLog(): Promise<string>;
  /** Stops nginx gracefully (SIGQUIT) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Which shipped file a test nginx runs. */
export interface StartNginxOptions {
  /** The site file included from a test nginx.conf, instead of the whole linux.conf. */
  readonly site?: boolean;
}

/**
 * Starts nginx (`daemon off`) with the shipped linux.conf (or the site file) proxying to the
 * otel-board instance(s) on `upstream`.
 */
export async function startNginx(
  upstream: number | readonly number[],
  options: StartNginxOptions = {},
): Promise<RunningNginx> {
  const upstreamPorts = typeof upstream === "number" ? [upstream] : upstream;
  const prefix = await Deno.makeTempDir({ prefix: "otel-board-nginx-" });
  let child: Deno.ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  let stderr = "";
  let stderrDone: Promise<void> = Promise.resolve();
  const stop = () => {
    stopped ??= (async () => {
      if (child !== undefined) {
        try {
          child.kill("SIGQUIT");
        } catch {
          // Already exited.
        }
        if (!await settlesWithin(child.status, 10_000)) child.kill("SIGKILL");
        await child.status;
        await stderrDone;
      }
      await Deno.remove(prefix, { recursive: true });
    })();
    return stopped;
  };
  try {
    await Deno.mkdir(join(prefix, "logs"));
    await Deno.mkdir(join(prefix, "temp"));
    const httpPort = freePort();
    let httpsPort = freePort();
    while (httpsPort === httpPort) httpsPort = freePort();
    const confPath = join(prefix, "nginx.conf");
    const settings = { prefix, httpPort, httpsPort, upstreamPorts };
    await Deno.writeTextFile(
      confPath,
      options.site
        ? await siteConfForTest(settings)
        : linuxConfForTest(await Deno.readTextFile(LINUX_CONF_PATH), settings),
    );
    child = new Deno.Command("nginx", {
      args: ["-e", "stderr", "-p", prefix, "-c", confPath, "-g", "daemon off;"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    stderrDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (stderr += chunk) }),
    );
    await waitUntilListening(child, httpsPort, () => stderr, prefix);
    return {
      prefix,
      httpPort,
      httpsPort,
      accessLog: () => Deno.readTextFile(join(prefix, "logs/access.log")),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilListening(
  child: Deno.ChildProcess,
  port: number,
  stderr: () => string,
  prefix: string,
): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  let failure: string;
  try {
    const state = await poll(async () => {
      if (exited) return "exited";
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return "listening";
    }, { what: `nginx to listen on 127.0.0.1:${port}`, timeoutMs: 10_000, intervalMs: 25 });
    if (state === "listening") return;
    failure = `nginx did not listen on 127.0.0.1:${port} (it exited)`;
  } catch (error) {
    failure = errorMessage(error);
  }
  let errorLog = "";
  try {
    errorLog = await Deno.readTextFile(join(prefix, "logs/error.log"));
  } catch {
    // Not written yet.
  }
  throw new Error(`${failure}: ${stderr()}${errorLog}`);
}

/** One HTTP answer as curl saw it. */
export interface CurlResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** What to send with curl. */
export interface CurlOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A file whose bytes are the request body (sent with a Content-Length). */
  readonly bodyFile?: string;
}

/** Arguments that reach `path` on nginx's HTTPS port as https://deno.sdk.otel-app.co.kr/… */
export function viaNginx(nginx: RunningNginx, path: string): string[] {
  // The fixture certificate names localhost, so curl connects to (and verifies) localhost
  // while the Host header carries the public name.
  return [
    "--cacert",
    TEST_CA_PATH,
    "--resolve",
    `localhost:${nginx.httpsPort}:127.0.0.1`,
    "--header",
    `Host: ${SERVER_NAME}`,
    `https://localhost:${nginx.httpsPort}${path}`,
  ];
}

/**
 * Runs curl from CLIENT_ADDRESS with `target` (a URL, or arguments ending in one) and
 * returns the one answer (redirects are not followed).
 */
export async function curl(
  target: string | readonly string[],
  options: CurlOptions = {},
): Promise<CurlResponse> {
  const args = [
    "--silent",
    "--show-error",
    "--include",
    "--max-time",
    "30",
    "--interface",
    CLIENT_ADDRESS,
    "--http1.1",
    // No "Expect: 100-continue" for larger bodies: one answer per request.
    "--header",
    "Expect:",
  ];
  if (options.method !== undefined) args.push("--request", options.method);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    args.push("--header", `${name}: ${value}`);
  }
  if (options.bodyFile !== undefined) args.push("--data-binary", `@${options.bodyFile}`);
  args.push(...(typeof target === "string" ? [target] : target));
  const output = await new Deno.Command("curl", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (output.code !== 0) {
    throw new Error(
      `curl ${args.join(" ")} failed (${output.code}): ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  const end = text.indexOf("\r\n\r\n");
  const [statusLine = "", ...headerLines] = text.slice(0, end).split("\r\n");
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1]);
  if (end === -1 || !Number.isInteger(status)) {
    throw new Error(`Cannot read curl's answer: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const headers = new Headers();
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status, headers, body: text.slice(end + 4) };
}
