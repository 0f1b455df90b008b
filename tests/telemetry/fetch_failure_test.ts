import assert from "node:assert/strict";
import { freePort } from "../../testing/free_port.ts";
import { startOtlpReceiver, TEST_CA_PATH } from "../../testing/otlp_receiver.ts";
import { classifyFetchFailure, type FetchFailureKind } from "../../telemetry/fetch_failure.ts";

/** Deno 2.9's own shape: `TypeError("fetch failed")` whose cause carries the client's message. */
function denoFetchError(message: string): TypeError {
  return new TypeError("fetch failed", { cause: new Error(message) });
}

const PREFIX = "error sending request for url (https://collector:4318/v1/traces): client error";

// The messages as Deno 2.9.6 wrote them here (refused, DNS, TLS), plus the Node-style codes.
const CASES: readonly [string, unknown, FetchFailureKind][] = [
  [
    "a refused connection",
    denoFetchError(`${PREFIX} (Connect): tcp connect error: Connection refused (os error 111)`),
    "refused",
  ],
  [
    "a name that does not resolve",
    denoFetchError(
      `${PREFIX} (Connect): dns error: failed to lookup address information: Name or service not known`,
    ),
    "dns",
  ],
  [
    "a certificate from an unknown CA",
    denoFetchError(`${PREFIX} (Connect): invalid peer certificate: UnknownIssuer`),
    "tls_unknown_ca",
  ],
  [
    "a certificate for another name",
    denoFetchError(
      `${PREFIX} (Connect): invalid peer certificate: certificate not valid for name "127.0.0.2"; ` +
        `certificate is only valid for DnsName("localhost"), IpAddress(127.0.0.1) or IpAddress(0::1)`,
    ),
    "tls_wrong_name",
  ],
  [
    "an expired certificate",
    denoFetchError(`${PREFIX} (Connect): invalid peer certificate: Expired`),
    "tls_expired",
  ],
  [
    "https to a plain HTTP port",
    denoFetchError(`${PREFIX} (Connect): received corrupt message of type InvalidContentType`),
    "tls_on_plain_port",
  ],
  [
    "plain HTTP to a TLS port",
    denoFetchError(
      "error sending request from 127.0.0.1:49734 for http://127.0.0.1:36141/ (127.0.0.1:36141): " +
        "client error (SendRequest): invalid HTTP version parsed",
    ),
    "plain_on_tls_port",
  ],
  [
    "a port Deno blocks",
    new TypeError("Fetch failed: Requests to port 1 are blocked"),
    "port_blocked",
  ],
  [
    "a reset connection",
    denoFetchError(`${PREFIX} (SendRequest): connection closed before message completed`),
    "reset",
  ],
  [
    "no route",
    denoFetchError(`${PREFIX} (Connect): tcp connect error: No route to host (os error 113)`),
    "unreachable",
  ],
  [
    "an OS connect timeout",
    denoFetchError(`${PREFIX} (Connect): tcp connect error: Connection timed out (os error 110)`),
    "connect_timeout",
  ],
  [
    "a Node-style ECONNREFUSED code",
    Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    "refused",
  ],
  ["a resolver's ENOTFOUND", Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }), "dns"],
  ["anything else", denoFetchError(`${PREFIX} (Connect): something new`), "other"],
  ["a thrown string", "boom", "other"],
];

for (const [what, error, kind] of CASES) {
  Deno.test(`classifyFetchFailure: ${what} is "${kind}"`, () => {
    assert.equal(classifyFetchFailure(error).kind, kind);
  });
}

Deno.test("classifyFetchFailure gives the innermost message as the detail", () => {
  const { detail } = classifyFetchFailure(denoFetchError(`${PREFIX} (Connect): something new`));
  assert.equal(detail, `${PREFIX} (Connect): something new`);
});

/** What a real `fetch` throws for `url`. */
async function fetchError(url: string, init: RequestInit = {}): Promise<unknown> {
  try {
    const response = await fetch(url, { method: "POST", body: "x", ...init });
    await response.body?.cancel();
  } catch (error) {
    return error;
  }
  throw new Error(`fetch ${url} did not fail`);
}

Deno.test("classifyFetchFailure reads the errors this Deno's fetch really throws: refused, unknown CA, wrong name, TLS on a plain port", async () => {
  assert.equal(
    classifyFetchFailure(await fetchError(`http://127.0.0.1:${freePort()}/`)).kind,
    "refused",
  );
  {
    await using tls = await startOtlpReceiver({ tls: true });
    assert.equal(
      classifyFetchFailure(await fetchError(`${tls.url}/v1/traces`)).kind,
      "tls_unknown_ca",
    );
  }
  {
    // The fixture certificate names localhost, 127.0.0.1 and ::1, not 127.0.0.2.
    await using other = await startOtlpReceiver({ tls: true, hostname: "127.0.0.2" });
    using client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(TEST_CA_PATH)] });
    const error = await fetchError(`${other.url}/v1/traces`, { client } as RequestInit);
    assert.equal(classifyFetchFailure(error).kind, "tls_wrong_name");
  }
  {
    await using plain = await startOtlpReceiver();
    const error = await fetchError(`${plain.url.replace("http:", "https:")}/v1/traces`);
    assert.equal(classifyFetchFailure(error).kind, "tls_on_plain_port");
  }
});
