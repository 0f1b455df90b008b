/**
 * @module `otel-board check-telemetry` as a real process (the compile task's permissions) against
 * the independent OTLP receiver, answering each failure a collector can show, on loopback.
 */

import assert from "node:assert/strict";
import { freePort } from "../../testing/free_port.ts";
import {
  type OtlpReceiver,
  type ReceiverMode,
  startOtlpReceiver,
  TEST_CA_PATH,
} from "../../testing/otlp_receiver.ts";
import { type ProcessResult, runMain } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const EVERY_SIGNAL = {
  OTEL_TRACES_EXPORTER: "otlp",
  OTEL_METRICS_EXPORTER: "otlp",
  OTEL_LOGS_EXPORTER: "otlp",
};

async function check(env: Record<string, string>): Promise<ProcessResult> {
  await using dir = await tempDir();
  return await runMain(["check-telemetry"], { ...EVERY_SIGNAL, ...env }, dir.path);
}

/** The output line of `signal`. */
function lineOf(result: ProcessResult, signal: string): string {
  const line = result.stdout.split("\n").find((text) => text.startsWith(`${signal} `));
  assert.ok(line !== undefined, `no ${signal} line in:\n${result.stdout}${result.stderr}`);
  return line;
}

Deno.test("check-telemetry sends one span, metric point and log record the receiver decodes, and exits 0", async () => {
  await using receiver = await startOtlpReceiver();
  const result = await check({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: "board-east",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging",
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  for (const signal of ["traces", "metrics", "logs"]) {
    assert.match(
      lineOf(result, signal),
      new RegExp(`^${signal} +${receiver.url}/v1/${signal}  OK \\(accepted in \\d+ ms\\)$`),
    );
  }
  const [span] = receiver.spans();
  const [point] = receiver.metrics();
  const [record] = receiver.logs();
  assert.ok(span && point && record, "one item of each signal");
  assert.equal(receiver.requests.length, 3);
  assert.equal(span.name, "check-telemetry");
  assert.equal(span.attributes["app.telemetry.check"], true);
  assert.equal(point.name, "app.telemetry.checks");
  assert.equal(point.attributes["app.telemetry.check"], true);
  assert.equal(record.body, "otel-board check-telemetry test record");
  assert.equal(record.attributes["app.telemetry.check"], true);
  // In the test span's trace, as the output says, so "logs for this span" finds it.
  assert.equal(record.traceId, span.traceId);
  assert.equal(record.spanId, span.spanId);
  assert.match(result.stdout, new RegExp(`trace id ${span.traceId}`));
  for (const resource of [span.resource, point.resource, record.resource]) {
    assert.equal(resource["service.name"], "board-east");
    assert.equal(resource["deployment.environment.name"], "staging");
    assert.equal(resource["telemetry.sdk.language"], "nodejs");
    assert.equal(typeof resource["service.instance.id"], "string");
  }
  assert.match(receiver.requests[0]!.headers.get("user-agent") ?? "", /^otel-board\//);
});

Deno.test("check-telemetry reports a signal whose exporter is not otlp as not configured, and it does not fail the check", async () => {
  await using receiver = await startOtlpReceiver();
  const result = await check({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_METRICS_EXPORTER: "prometheus",
    OTEL_LOGS_EXPORTER: "none",
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(lineOf(result, "traces"), /OK/);
  assert.match(
    lineOf(result, "metrics"),
    /^metrics +not configured \(OTEL_METRICS_EXPORTER=prometheus\)$/,
  );
  assert.match(lineOf(result, "logs"), /^logs +not configured \(OTEL_LOGS_EXPORTER=none\)$/);
  assert.deepEqual(receiver.requests.map((request) => request.signal), ["traces"]);
});

/** One failure the receiver answers, the settings, and what the traces line must say. */
interface FailureCase {
  readonly what: string;
  readonly mode: ReceiverMode;
  readonly env: (receiver: OtlpReceiver) => Record<string, string>;
  readonly says: RegExp;
}

const FAILURES: readonly FailureCase[] = [
  {
    what: "401 names the headers setting and the header names sent, never their values",
    mode: { kind: "status", status: 401 },
    env: (receiver) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20s3cr3t-token,x-scope-orgid=tenant-7",
    }),
    says:
      /FAILED: 401 Unauthorized — the collector wants credentials: put its auth header in OTEL_EXPORTER_OTLP_HEADERS \(headers sent: authorization, x-scope-orgid, from OTEL_EXPORTER_OTLP_HEADERS\)$/,
  },
  {
    what: "403 says the credentials were refused, naming the per-signal headers setting",
    mode: { kind: "status", status: 403 },
    env: (receiver) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "authorization=Basic%20czNjcjN0",
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: "authorization=Basic%20czNjcjN0",
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: "authorization=Basic%20czNjcjN0",
    }),
    says:
      /FAILED: 403 Forbidden — the collector refused the credentials: check the header values in OTEL_EXPORTER_OTLP_TRACES_HEADERS \(headers sent: authorization, from OTEL_EXPORTER_OTLP_TRACES_HEADERS\)$/,
  },
  {
    what: "404 from a base endpoint that already ends in /v1/traces says the suffix is doubled",
    mode: { kind: "ok" },
    env: (receiver) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/v1/traces` }),
    says:
      /\/v1\/traces\/v1\/traces {2}FAILED: 404 Not Found — the path is wrong; OTEL_EXPORTER_OTLP_ENDPOINT gets \/v1\/traces appended, so give it the base URL only \(here the path is \/v1\/traces\/v1\/traces\): did you add the suffix twice\?$/,
  },
  {
    what: "413 names the size limit and the compression setting",
    mode: { kind: "status", status: 413 },
    env: (receiver) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }),
    says:
      /FAILED: 413 Content Too Large — .*request size limit.*, or set OTEL_EXPORTER_OTLP_COMPRESSION=gzip$/,
  },
  {
    what: "a hanging collector is a timeout naming the timeout setting",
    mode: { kind: "hang" },
    env: (receiver) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "300",
      OTEL_EXPORTER_OTLP_TIMEOUT: "300",
    }),
    says:
      /FAILED: no answer within 300 ms — the collector took the connection but did not answer: look at it, or raise OTEL_EXPORTER_OTLP_TRACES_TIMEOUT$/,
  },
  {
    what: "a closed port is a refused connection naming the endpoint setting",
    mode: { kind: "ok" },
    env: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${freePort()}` }),
    says:
      /FAILED: connection refused — nothing listens on 127\.0\.0\.1:\d+: start the collector, or fix the host or port in OTEL_EXPORTER_OTLP_ENDPOINT$/,
  },
  {
    what: "https to a plain HTTP collector says it does not speak TLS",
    mode: { kind: "ok" },
    env: (receiver) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace("http:", "https:") }),
    says:
      /FAILED: TLS: 127\.0\.0\.1:\d+ does not speak TLS — use http:\/\/ in OTEL_EXPORTER_OTLP_ENDPOINT/,
  },
];

for (const failure of FAILURES) {
  Deno.test(`check-telemetry: ${failure.what}, and exits 1`, async () => {
    await using receiver = await startOtlpReceiver();
    receiver.setMode(failure.mode);
    const result = await check(failure.env(receiver));
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(lineOf(result, "traces"), failure.says);
    for (const signal of ["metrics", "logs"]) assert.match(lineOf(result, signal), /FAILED: /);
    assert.doesNotMatch(result.stdout + result.stderr, /s3cr3t|tenant-7|czNjcjN0/);
  });
}

Deno.test("check-telemetry: a collector certificate from an untrusted CA names OTEL_EXPORTER_OTLP_CERTIFICATE; with it set, the export is accepted", async () => {
  await using receiver = await startOtlpReceiver({ tls: true });
  const untrusted = await check({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  assert.equal(untrusted.code, 1, untrusted.stdout + untrusted.stderr);
  assert.match(
    lineOf(untrusted, "traces"),
    /FAILED: TLS: the collector's certificate is signed by a CA this machine does not trust — set OTEL_EXPORTER_OTLP_CERTIFICATE to that CA's PEM file \(or add it with DENO_CERT, or use the OS store with DENO_TLS_CA_STORE=system\)$/,
  );
  const trusted = await check({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_CERTIFICATE: TEST_CA_PATH,
  });
  assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
  assert.equal(receiver.spans().length, 1);
});

Deno.test("check-telemetry: a certificate for another name (CA trusted through DENO_CERT) names the host name problem", async () => {
  // The fixture certificate names localhost, 127.0.0.1 and ::1: served on 127.0.0.2 it is wrong.
  await using receiver = await startOtlpReceiver({ tls: true, hostname: "127.0.0.2" });
  const result = await check({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    DENO_CERT: TEST_CA_PATH,
  });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(
    lineOf(result, "traces"),
    /FAILED: TLS: the collector's certificate is not valid for the name "127\.0\.0\.2" — use a host name the certificate names in OTEL_EXPORTER_OTLP_ENDPOINT, or give the collector a certificate for "127\.0\.0\.2"$/,
  );
  assert.equal(receiver.requests.length, 0);
});

Deno.test("check-telemetry exits 2 for a bad setting or argument, and 0 for --help", async () => {
  const bad = await check({ OTEL_EXPORTER_OTLP_TIMEOUT: "soon" });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /OTEL_EXPORTER_OTLP_TIMEOUT/);
  await using dir = await tempDir();
  const argument = await runMain(["check-telemetry", "--port", "1"], {}, dir.path);
  assert.equal(argument.code, 2);
  assert.match(argument.stderr, /Unknown argument "--port"/);
  const help = await runMain(["check-telemetry", "--help"], {}, dir.path);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: otel-board check-telemetry\n/);
  assert.match(help.stdout, /Exit codes: 0 every OTLP signal was accepted, 1 one was not/);
  const list = await runMain(["--help"], {}, dir.path);
  assert.match(list.stdout, /^ {2}check-telemetry/m);
});
