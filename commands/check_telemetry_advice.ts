/**
 * @module What `check-telemetry` says about a failed export: what went wrong and which setting to
 * change, for each kind of failure (HTTP status, timeout, DNS, refused, TLS, …). Header values
 * are never named, only header names: they may hold API keys.
 */

import type { Config } from "../config/load.ts";
import type { ExportFailure, Signal } from "../telemetry/otlp_exporter.ts";
import { classifyFetchFailure, type FetchFailureKind } from "../telemetry/fetch_failure.ts";

/** What the advice is about: the signal, its URL and the settings it was built from. */
export interface AdviceContext {
  readonly signal: Signal;
  readonly env: Readonly<Record<string, string>>;
  readonly config: Config;
}

const UPPER: Readonly<Record<Signal, string>> = {
  traces: "TRACES",
  metrics: "METRICS",
  logs: "LOGS",
};

/** Reason phrases (RFC 9110), since a collector's own may be empty. */
const REASON: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The variable that decides `aspect` of the signal: its own when set, else the generic one. */
export function settingFor(
  context: AdviceContext,
  aspect: "ENDPOINT" | "HEADERS" | "TIMEOUT" | "COMPRESSION" | "CERTIFICATE",
): string {
  const own = `OTEL_EXPORTER_OTLP_${UPPER[context.signal]}_${aspect}`;
  return (context.env[own] ?? "") !== "" ? own : `OTEL_EXPORTER_OTLP_${aspect}`;
}

function endpoint(context: AdviceContext) {
  return context.config.telemetry[context.signal].otlp;
}

/** "the header names sent (from the variables that set them)", or that none were. */
function headersSent(context: AdviceContext): string {
  const names = Object.keys(endpoint(context).headers);
  if (names.length === 0) return "no headers were sent";
  const own = `OTEL_EXPORTER_OTLP_${UPPER[context.signal]}_HEADERS`;
  const from = [own, "OTEL_EXPORTER_OTLP_HEADERS"].filter((name) =>
    (context.env[name] ?? "") !== ""
  );
  return `headers sent: ${names.join(", ")}, from ${from.join(" and ")}`;
}

function timeoutSetting(context: AdviceContext): string {
  const metrics = context.config.telemetry.metrics;
  if (context.signal === "metrics" && metrics.exportTimeoutMs < metrics.otlp.timeoutMs) {
    return "OTEL_METRIC_EXPORT_TIMEOUT (it caps every metric request)";
  }
  return settingFor(context, "TIMEOUT");
}

function pathAdvice(context: AdviceContext): string {
  const suffix = `/v1/${context.signal}`;
  const path = new URL(endpoint(context).url).pathname;
  const doubled = /\/v1\/(traces|metrics|logs)\/v1\/(traces|metrics|logs)\/?$/.test(path);
  const setting = settingFor(context, "ENDPOINT");
  if (setting === "OTEL_EXPORTER_OTLP_ENDPOINT") {
    return `the path is wrong; ${setting} gets ${suffix} appended, so give it the base URL only` +
      (doubled ? ` (here the path is ${path}): did you add the suffix twice?` : "");
  }
  return `the path is wrong; ${setting} is used as given (with ${suffix})` +
    (doubled
      ? `, while OTEL_EXPORTER_OTLP_ENDPOINT gets ${suffix} appended: did you add the suffix twice?`
      : `: check the collector's OTLP/HTTP path (the Collector serves ${suffix})`);
}

function statusAdvice(status: number, context: AdviceContext): string {
  const endpointSetting = settingFor(context, "ENDPOINT");
  const headers = settingFor(context, "HEADERS");
  switch (status) {
    case 400:
    case 415:
      return `the collector cannot read OTLP/HTTP protobuf here: is ${endpointSetting} its ` +
        "OTLP/HTTP address (port 4318, not gRPC on 4317)?";
    case 401:
      return `the collector wants credentials: put its auth header in ${headers} (${
        headersSent(context)
      })`;
    case 403:
      return `the collector refused the credentials: check the header values in ${headers} (${
        headersSent(context)
      })`;
    case 404:
    case 405:
      return pathAdvice(context);
    case 413: {
      const compression = endpoint(context).compression === "none"
        ? `, or set ${settingFor(context, "COMPRESSION")}=gzip`
        : "";
      return "the collector (or a proxy before it) refuses even one small item: raise its " +
        `request size limit (nginx: client_max_body_size)${compression}`;
    }
    case 429:
    case 502:
    case 503:
    case 504:
      return "the collector is overloaded or down behind a proxy (retried while " +
        `${timeoutSetting(context)} allowed): look at the collector`;
  }
  return status >= 500
    ? "the collector failed: look at its logs"
    : `unexpected answer: check ${endpointSetting}`;
}

function networkAdvice(kind: FetchFailureKind, detail: string, context: AdviceContext): string {
  const url = new URL(endpoint(context).url);
  const host = url.hostname;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const endpointSetting = settingFor(context, "ENDPOINT");
  const certificate = settingFor(context, "CERTIFICATE");
  const caFile = endpoint(context).certificatePath;
  switch (kind) {
    case "dns":
      return `DNS: cannot resolve "${host}" — fix the host name in ${endpointSetting} (or this ` +
        "machine's DNS or hosts file)";
    case "refused":
      return `connection refused — nothing listens on ${host}:${port}: start the collector, or ` +
        `fix the host or port in ${endpointSetting}`;
    case "tls_unknown_ca":
      return "TLS: the collector's certificate is signed by a CA this machine does not trust — " +
        (caFile === undefined
          ? `set ${certificate} to that CA's PEM file (or add it with DENO_CERT, or use the ` +
            "OS store with DENO_TLS_CA_STORE=system)"
          : `${certificate} (${caFile}) does not hold the CA that signed it`);
    case "tls_wrong_name":
      return `TLS: the collector's certificate is not valid for the name "${host}" — use a host ` +
        `name the certificate names in ${endpointSetting}, or give the collector a certificate ` +
        `for "${host}"`;
    case "tls_expired":
      return "TLS: the collector's certificate has expired or is not valid yet — renew it " +
        "(or check this machine's clock)";
    case "tls_on_plain_port":
      return `TLS: ${host}:${port} does not speak TLS — use http:// in ${endpointSetting}, or ` +
        "the collector's TLS port";
    case "plain_on_tls_port":
      return `${host}:${port} did not answer plain HTTP — if it expects TLS, use https:// in ` +
        endpointSetting;
    case "port_blocked":
      return `Deno refuses to connect to port ${port} (a port browsers block) — use the ` +
        `collector's OTLP/HTTP port (4318) in ${endpointSetting}`;
    case "reset":
      return `the connection was closed (${shortDetail(detail)}) — a proxy or firewall? ` +
        `check ${endpointSetting}`;
    case "unreachable":
      return `network unreachable: no route to ${host} — check ${endpointSetting} and the ` +
        "network or firewall";
    case "connect_timeout":
      return `cannot connect: ${host}:${port} does not answer (a firewall?) — check ` +
        endpointSetting;
    case "other":
      return `${shortDetail(detail)} — check ${endpointSetting}`;
  }
}

/**
 * The text after "FAILED: " for `failure`: what happened, then " — " and what to change.
 */
export function explainFailure(failure: ExportFailure, context: AdviceContext): string {
  switch (failure.kind) {
    case "status": {
      const reason = REASON[failure.status] ?? failure.statusText;
      return `${failure.status}${reason === "" ? "" : ` ${reason}`} — ${
        statusAdvice(failure.status, context)
      }`;
    }
    case "timeout":
      return `no answer within ${failure.timeoutMs} ms — the collector took the connection ` +
        `but did not answer: look at it, or raise ${timeoutSetting(context)}`;
    case "network": {
      const { kind, detail } = classifyFetchFailure(failure.error);
      return networkAdvice(kind, detail, context);
    }
    case "abandoned":
      return "the request was given up";
  }
}

/** Deno's message without the request's URL (which may carry credentials) before it. */
function shortDetail(detail: string): string {
  return detail.replace(/^error sending request.*?(?=client error)/, "");
}
