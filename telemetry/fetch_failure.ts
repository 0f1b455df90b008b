/**
 * @module What a failed `fetch` ran into (DNS, refused, TLS, …), read from the error Deno throws.
 *
 * Deno 2.9 rejects with `TypeError: fetch failed` whose `cause` is an `Error` carrying the
 * message of the Rust HTTP client and no `code`, e.g. `error sending request for url (…): client
 * error (Connect): tcp connect error: Connection refused (os error 111)`. So the kind is read from
 * the messages of the error and its causes, by the table below (each pattern measured here, see
 * tests/telemetry/fetch_failure_test.ts); Node-style `code`s (ECONNREFUSED, …) are matched too.
 */

/** What kind of network failure a `fetch` error is. */
export type FetchFailureKind =
  | "dns"
  | "refused"
  | "tls_unknown_ca"
  | "tls_wrong_name"
  | "tls_expired"
  | "tls_on_plain_port"
  | "plain_on_tls_port"
  | "reset"
  | "unreachable"
  | "connect_timeout"
  | "port_blocked"
  | "other";

/** One row: a failure kind and the messages (or codes) that show it. */
interface FetchFailureRow {
  readonly kind: FetchFailureKind;
  readonly pattern: RegExp;
}

/** First match wins: the TLS rows come before "reset", which a failed handshake can also show. */
const FETCH_FAILURES: readonly FetchFailureRow[] = [
  {
    kind: "dns",
    pattern:
      /dns error|failed to lookup address|Name or service not known|No such host is known|nodename nor servname|\bENOTFOUND\b|\bEAI_AGAIN\b/i,
  },
  { kind: "refused", pattern: /Connection refused|os error (111|61|10061)\b|\bECONNREFUSED\b/i },
  {
    kind: "tls_unknown_ca",
    pattern: /UnknownIssuer|unknown ?issuer|UNABLE_TO_VERIFY|self.signed/i,
  },
  {
    kind: "tls_wrong_name",
    pattern: /not valid for name|NotValidForName|ERR_TLS_CERT_ALTNAME_INVALID/i,
  },
  { kind: "tls_expired", pattern: /\bExpired\b|NotValidYet|CERT_HAS_EXPIRED/i },
  {
    kind: "tls_on_plain_port",
    pattern: /InvalidContentType|corrupt message|wrong version number/i,
  },
  { kind: "plain_on_tls_port", pattern: /invalid HTTP version parsed|HPE_INVALID/i },
  { kind: "port_blocked", pattern: /Requests to port \d+ are blocked/i },
  {
    kind: "reset",
    pattern:
      /connection reset|connection closed before|broken pipe|os error (104|32|10054)\b|\bECONNRESET\b/i,
  },
  {
    kind: "unreachable",
    pattern:
      /unreachable|No route to host|os error (101|113|10051|10065)\b|\bEHOSTUNREACH\b|\bENETUNREACH\b/i,
  },
  { kind: "connect_timeout", pattern: /timed out|os error (110|60|10060)\b|\bETIMEDOUT\b/i },
];

/** The kind of failure `error` (what `fetch` threw) shows, and its most specific message. */
export function classifyFetchFailure(error: unknown): { kind: FetchFailureKind; detail: string } {
  const { texts, messages } = chain(error);
  const detail = messages.at(-1) ?? String(error);
  for (const row of FETCH_FAILURES) {
    if (texts.some((text) => row.pattern.test(text))) return { kind: row.kind, detail };
  }
  return { kind: "other", detail };
}

/** The messages and codes of `error` and its causes, outermost first (at most 8 deep). */
function chain(error: unknown): { texts: string[]; messages: string[] } {
  const texts: string[] = [];
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (typeof current !== "object") {
      texts.push(String(current));
      messages.push(String(current));
      break;
    }
    const { message, code, cause } = current as {
      message?: unknown;
      code?: unknown;
      cause?: unknown;
    };
    if (typeof message === "string" && message !== "") {
      texts.push(message);
      messages.push(message);
    }
    if (typeof code === "string") texts.push(code);
    current = cause;
  }
  return { texts, messages };
}
