/** @module The service's name and version, as logs, telemetry and `--version` show them. */

import denoJson from "../deno.json" with { type: "json" };

/** The service's name, as it appears in logs and `--version`. */
export const SERVICE_NAME = "otel-board";

/** The service's version, taken from deno.json so there is one source of truth. */
export const SERVICE_VERSION: string = denoJson.version;
