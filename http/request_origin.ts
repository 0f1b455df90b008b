/**
 * @module The origin (scheme, host, port) the client addressed: from a trusted proxy's
 * `Forwarded` (RFC 7239), else its `X-Forwarded-Proto` / `-Host` / `-Port`, else the request.
 */

/** The scheme, host and port a client used to reach the service. */
export interface RequestOrigin {
  readonly scheme: "http" | "https";
  /** The host name or address, without brackets or port. */
  readonly host: string;
  readonly port: number;
}

/** The forwarding headers the origin is read from, `null` when absent. */
export interface OriginHeaders {
  readonly forwarded: string | null;
  readonly forwardedProto: string | null;
  readonly forwardedHost: string | null;
  readonly forwardedPort: string | null;
}

/** Longest forwarding header worth parsing; a longer one is ignored. */
const MAX_HEADER_LENGTH = 4096;

/** Longest host (a DNS name is at most 253 characters, plus a port). */
const MAX_HOST_LENGTH = 261;

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/**
 * The origin of a request to `url`. Only when `fromTrustedProxy` are the forwarding headers
 * read: each field from the nearest proxy's `Forwarded` element first (`proto`, `host`), then
 * the last value of `X-Forwarded-Proto` / `X-Forwarded-Host` / `X-Forwarded-Port`, then the
 * request URL (its Host). Malformed values are ignored, field by field.
 */
export function resolveRequestOrigin(
  url: URL,
  headers: OriginHeaders,
  fromTrustedProxy: boolean,
): RequestOrigin {
  const ownScheme = url.protocol === "https:" ? "https" : "http";
  const own = splitHost(url.host);
  if (!fromTrustedProxy) {
    return {
      scheme: ownScheme,
      host: own?.host ?? url.hostname,
      port: own?.port ?? DEFAULT_PORT[ownScheme],
    };
  }
  const element = lastForwardedElement(headers.forwarded);
  const scheme = parseScheme(element?.get("proto")) ??
    parseScheme(lastValue(headers.forwardedProto)) ??
    ownScheme;
  const forwardedHost = splitHost(element?.get("host"));
  if (forwardedHost !== undefined) {
    return { scheme, host: forwardedHost.host, port: forwardedHost.port ?? DEFAULT_PORT[scheme] };
  }
  const host = splitHost(lastValue(headers.forwardedHost)) ?? own;
  const port = parsePort(lastValue(headers.forwardedPort)) ?? host?.port ?? DEFAULT_PORT[scheme];
  return { scheme, host: host?.host ?? url.hostname, port };
}

/** The last comma-separated value of a header (the nearest proxy's), trimmed. */
function lastValue(header: string | null): string | undefined {
  if (header === null || header.length > MAX_HEADER_LENGTH) return undefined;
  const value = header.slice(header.lastIndexOf(",") + 1).trim();
  return value === "" ? undefined : value;
}

function parseScheme(text: string | undefined): "http" | "https" | undefined {
  const scheme = text?.toLowerCase();
  return scheme === "http" || scheme === "https" ? scheme : undefined;
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** `name`, `name:port`, `1.2.3.4:port`, `[::1]:port` → host and port; undefined if malformed. */
function splitHost(text: string | undefined): { host: string; port?: number } | undefined {
  if (text === undefined || text === "" || text.length > MAX_HOST_LENGTH) return undefined;
  let host = text;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return undefined;
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return undefined;
      portText = rest.slice(1);
    }
    if (!/^[0-9a-fA-F:.]+$/.test(host)) return undefined;
  } else {
    const colon = text.indexOf(":");
    if (colon !== -1) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
    if (!/^[A-Za-z0-9._~!$&'()*+;=%-]+$/.test(host)) return undefined;
  }
  if (portText === undefined) return { host: host.toLowerCase() };
  const port = parsePort(portText);
  return port === undefined ? undefined : { host: host.toLowerCase(), port };
}

/**
 * The parameters of the last element of a `Forwarded` header (the one the nearest proxy
 * added), names lower-cased and quoted strings unquoted; undefined when absent or malformed.
 */
function lastForwardedElement(header: string | null): Map<string, string> | undefined {
  if (header === null || header.length > MAX_HEADER_LENGTH) return undefined;
  let element = new Map<string, string>();
  let i = 0;
  while (i <= header.length) {
    while (header[i] === " " || header[i] === "\t") i++;
    const equals = header.indexOf("=", i);
    if (equals === -1) return element.size > 0 ? element : undefined;
    const name = header.slice(i, equals).trim().toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return undefined;
    let value: string;
    i = equals + 1;
    if (header[i] === '"') {
      let text = "";
      i++;
      while (i < header.length && header[i] !== '"') {
        if (header[i] === "\\") i++;
        text += header[i] ?? "";
        i++;
      }
      if (i >= header.length) return undefined;
      value = text;
      i++;
    } else {
      const end = header.slice(i).search(/[;,]/);
      value = (end === -1 ? header.slice(i) : header.slice(i, i + end)).trim();
      i = end === -1 ? header.length : i + end;
    }
    element.set(name, value);
    while (header[i] === " " || header[i] === "\t") i++;
    if (i >= header.length) return element;
    if (header[i] === ",") element = new Map();
    else if (header[i] !== ";") return undefined;
    i++;
  }
  return element.size > 0 ? element : undefined;
}
