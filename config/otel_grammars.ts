/** @module The grammars only OTEL_* settings use: key=value lists, OTLP headers, resource attributes, the OTLP protocol. */

import { ConfigError, type Grammar } from "./types.ts";

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// What node:http and fetch accept in a header value: tab, visible ASCII, space, Latin-1.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * `key=value` pairs separated by commas, as in W3C Baggage: entries and their key and value
 * are trimmed, values are percent-decoded, empty entries ignored, a later key wins.
 * With `secret`, error messages show neither the entry nor the value, only the position or key.
 */
function parseKeyValueList(
  raw: string,
  name: string,
  options: {
    readonly secret: boolean;
    readonly key?: { readonly pattern: RegExp; readonly expected: string };
  },
): Map<string, string> {
  const { secret } = options;
  const pairs = new Map<string, string>();
  let position = 0;
  for (const entry of raw.split(",")) {
    position++;
    if (entry.trim() === "") continue;
    const shown = secret ? `entry ${position}` : `"${entry.trim()}"`;
    const eq = entry.indexOf("=");
    if (eq === -1) {
      throw new ConfigError(
        `${name} must be a comma-separated list of key=value pairs: ${shown} has no "="`,
      );
    }
    const key = entry.slice(0, eq).trim();
    if (key === "") {
      throw new ConfigError(
        `${name} must be a comma-separated list of key=value pairs: ${shown} has an empty key`,
      );
    }
    if (options.key !== undefined && !options.key.pattern.test(key)) {
      throw new ConfigError(
        `${name}: ${shown} does not start with a valid key (expected ${options.key.expected} ` +
          "before the first =)",
      );
    }
    const encoded = entry.slice(eq + 1).trim();
    let value: string;
    try {
      value = decodeURIComponent(encoded);
    } catch {
      const what = secret ? `the value of "${key}"` : `"${encoded}" (the value of "${key}")`;
      throw new ConfigError(
        `${name}: ${what} has an invalid percent-escape: use %XX with two hex digits of UTF-8`,
      );
    }
    pairs.set(key, value);
  }
  return pairs;
}

/** Resource attributes as `key=value` pairs; a `service.name` given here may not be empty. */
export function resourceAttributes(raw: string, name: string): ReadonlyMap<string, string> {
  const attributes = parseKeyValueList(raw, name, { secret: false });
  if (attributes.get("service.name") === "") {
    throw new ConfigError(`${name}: service.name must not be empty, got "service.name="`);
  }
  return attributes;
}

/** A service name: anything but only spaces. */
export function serviceName(raw: string, name: string): string {
  if (raw.trim() === "") {
    throw new ConfigError(`${name} must be a service name, got only spaces "${raw}"`);
  }
  return raw;
}

/**
 * HTTP headers as `name=value` pairs: names lower-cased and checked as HTTP tokens, values
 * percent-decoded. Values are secrets (API keys), so no message ever shows one.
 */
export function headers(raw: string, name: string): ReadonlyMap<string, string> {
  const result = new Map<string, string>();
  // A malformed entry may be a pasted "Authorization: Bearer …" line: messages give positions.
  const pairs = parseKeyValueList(raw, name, {
    secret: true,
    key: {
      pattern: HEADER_NAME,
      expected: "an HTTP header name: letters, digits, !#$%&'*+-.^_`|~",
    },
  });
  for (const [key, value] of pairs) {
    const header = key.toLowerCase();
    if (!HEADER_VALUE.test(value)) {
      throw new ConfigError(
        `${name}: the value of "${header}" contains a character not allowed in an HTTP header ` +
          "(a control character or one beyond U+00FF)",
      );
    }
    result.set(header, value);
  }
  return result;
}

/** The OTLP protocol: only `http/protobuf` is supported. */
export function otlpProtocol(raw: string, name: string): "http/protobuf" {
  if (raw.trim().toLowerCase() === "http/protobuf") return "http/protobuf";
  throw new ConfigError(
    `${name} must be http/protobuf (the only OTLP protocol supported here; ` +
      `grpc and http/json are not), got "${raw}"`,
  );
}

/** `OTEL_DENO`: a boolean that must be false, since Deno's telemetry would displace ours. */
export function refuseTrue(isTrue: Grammar<boolean>): Grammar<false> {
  return (raw, name) => {
    if (!isTrue(raw, name)) return false;
    throw new ConfigError(
      `${name} is set to "${raw}", which asks for Deno's built-in OpenTelemetry: it would claim ` +
        "the global @opentelemetry/api registration, so otel-board's own providers would silently " +
        "not register, and it would add a second server span to every request. Unset OTEL_DENO: " +
        "otel-board exports its own traces, metrics and logs, configured by the other OTEL variables",
    );
  };
}
