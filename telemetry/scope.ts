/**
 * @module Who reports the telemetry: the instrumentation scope of every span, metric and log
 * record, and the `User-Agent` of every OTLP export request.
 */

import { SERVICE_NAME, SERVICE_VERSION } from "../config/service_identity.ts";

/** The instrumentation scope's name and version: the service's own code is the instrumentation. */
export const INSTRUMENTATION_SCOPE = Object.freeze({
  name: SERVICE_NAME,
  version: SERVICE_VERSION,
});

/**
 * The `User-Agent` of OTLP export requests (the OTLP exporter spec asks exporters to name
 * themselves): `otel-board/0.1.0 Deno/2.9.6`, so a collector's logs say who sent a request.
 */
export const EXPORTER_USER_AGENT = `${SERVICE_NAME}/${SERVICE_VERSION} Deno/${Deno.version.deno}`;
