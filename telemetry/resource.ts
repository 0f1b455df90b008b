/** @module The OpenTelemetry resource: who is sending (service, instance, host, process). */

import { defaultResource, type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from "@opentelemetry/semantic-conventions";
import {
  ATTR_HOST_ARCH,
  ATTR_HOST_NAME,
  ATTR_OS_TYPE,
  ATTR_PROCESS_PID,
  ATTR_PROCESS_RUNTIME_NAME,
  ATTR_PROCESS_RUNTIME_VERSION,
} from "./semconv.ts";

/** Facts about this process, injectable for tests. */
export interface ProcessFacts {
  readonly hostname: string;
  readonly arch: string;
  readonly os: string;
  readonly pid: number;
  readonly denoVersion: string;
  readonly instanceId: string;
}

/** What the resource is built from. */
export interface ResourceOptions {
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** OTEL_RESOURCE_ATTRIBUTES, already parsed; they win over the detected values. */
  readonly attributes: Readonly<Record<string, string>>;
}

// semconv host.arch values for Deno.build.arch.
const HOST_ARCH: Readonly<Record<string, string>> = { x86_64: "amd64", aarch64: "arm64" };

/** The facts of the running process. */
export function currentProcess(): ProcessFacts {
  return {
    hostname: Deno.hostname(),
    arch: Deno.build.arch,
    os: Deno.build.os,
    pid: Deno.pid,
    denoVersion: Deno.version.deno,
    instanceId: crypto.randomUUID(),
  };
}

/**
 * The resource every signal carries: the SDK's own (telemetry.sdk.name/language/version, which
 * the SDK spec requires), then service.name/version/instance.id, host.name/arch, os.type,
 * process.pid and runtime, then OTEL_RESOURCE_ATTRIBUTES (e.g. the seed's `job`, or
 * deployment.environment.name), with OTEL_SERVICE_NAME deciding service.name.
 */
export function buildResource(options: ResourceOptions, facts: ProcessFacts): Resource {
  return defaultResource().merge(resourceFromAttributes({
    [ATTR_HOST_NAME]: facts.hostname,
    [ATTR_HOST_ARCH]: HOST_ARCH[facts.arch] ?? facts.arch,
    [ATTR_OS_TYPE]: facts.os,
    [ATTR_PROCESS_PID]: facts.pid,
    [ATTR_PROCESS_RUNTIME_NAME]: "deno",
    [ATTR_PROCESS_RUNTIME_VERSION]: facts.denoVersion,
    [ATTR_SERVICE_INSTANCE_ID]: facts.instanceId,
    [ATTR_SERVICE_VERSION]: options.serviceVersion,
    ...options.attributes,
    [ATTR_SERVICE_NAME]: options.serviceName,
  }));
}
