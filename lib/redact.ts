/** @module Redaction of secrets in raw query strings before they reach logs, spans or `log_api`. */

/** Parameter names (lower case, `_` for `-`) whose values are never recorded. */
export const SENSITIVE_QUERY_KEYS: ReadonlySet<string> = new Set([
  "password",
  "passwd",
  "pwd",
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "session",
  "sessionid",
  "secret",
  "client_secret",
  "api_key",
  "apikey",
  "key",
  "auth",
  "authorization",
  "code",
  "otp",
  "signature",
  "sig",
  // Signed-URL keys the semantic conventions name for `url.query` redaction, and their AWS
  // SigV4 and Google siblings that carry the same kind of credential.
  "awsaccesskeyid",
  "x_goog_signature",
  "x_goog_credential",
  "x_amz_signature",
  "x_amz_credential",
  "x_amz_security_token",
]);

/**
 * Every sensitive key contains one of these (`-` or `_` where the key has `_`), so a query with
 * none of them has nothing to hide.
 */
const HINT = new RegExp(
  [...SENSITIVE_QUERY_KEYS]
    .filter((key) =>
      ![...SENSITIVE_QUERY_KEYS].some((other) => other !== key && key.includes(other))
    )
    .map((key) => key.replaceAll("_", "[-_]"))
    .join("|"),
  "i",
);

/** The placeholder written in place of a secret value. */
const REDACTED = "REDACTED";

/**
 * Replaces the value of each sensitive parameter of a raw query string (no leading `?`) with
 * `REDACTED`, leaving every other byte as it was: order, encoding, repeated names, empty
 * values and names without `=`. Names are compared as the server reads them
 * (percent-decoded, `+` as space), ignoring case and treating `-` as `_` (`Api-Key`).
 * Empty values stay empty: there is nothing to hide and `REDACTED` would suggest otherwise.
 */
export function redactQuery(query: string): string {
  // A percent-encoded name can spell a key without containing it (`pass%77ord`).
  if (!query.includes("%") && !HINT.test(query)) return query;
  let changed = false;
  const parts = query.split("&").map((part) => {
    const eq = part.indexOf("=");
    if (eq === -1 || eq === part.length - 1) return part;
    if (!isSensitive(part.slice(0, eq))) return part;
    changed = true;
    return `${part.slice(0, eq + 1)}${REDACTED}`;
  });
  return changed ? parts.join("&") : query;
}

function isSensitive(rawName: string): boolean {
  if (!rawName.includes("%") && !HINT.test(rawName)) return false;
  return SENSITIVE_QUERY_KEYS.has(decodeName(rawName).toLowerCase().replaceAll("-", "_"));
}

/** Decodes like `URLSearchParams` does: `+` is a space, bad escapes are kept literally. */
function decodeName(rawName: string): string {
  // The leading "&" keeps a name starting with "?" from losing it.
  for (const [name] of new URLSearchParams(`&${rawName}=`)) return name;
  return rawName;
}
