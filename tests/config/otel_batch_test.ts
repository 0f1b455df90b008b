/** @module Tests for the OTEL_BSP_* and OTEL_BLRP_* batch processor settings. */

import assert from "node:assert/strict";
import { otelError, parse } from "./_otel.ts";

// Batch span processor ----------------------------------------------------------------------

Deno.test("OTEL_BSP_* settings set the batch span processor", () => {
  const batch = parse({
    OTEL_BSP_SCHEDULE_DELAY: "0",
    OTEL_BSP_EXPORT_TIMEOUT: "1000",
    OTEL_BSP_MAX_QUEUE_SIZE: "100",
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "100",
  }).traces.batch;
  assert.deepEqual(batch, {
    scheduleDelayMs: 0,
    exportTimeoutMs: 1000,
    maxQueueSize: 100,
    maxExportBatchSize: 100,
  });
  assert.equal(
    parse({ OTEL_BSP_SCHEDULE_DELAY: "3600000" }).traces.batch.scheduleDelayMs,
    3_600_000,
  );
  assert.equal(parse({ OTEL_BSP_MAX_QUEUE_SIZE: "1000000" }).traces.batch.maxQueueSize, 1_000_000);
});

Deno.test("OTEL_BSP_* values out of range or not plain digits are errors", () => {
  const cases: [name: string, value: string, expected: string][] = [
    ["OTEL_BSP_SCHEDULE_DELAY", "3600001", "a whole number of milliseconds from 0 to 3600000"],
    ["OTEL_BSP_SCHEDULE_DELAY", "-1", "a whole number of milliseconds from 0 to 3600000"],
    ["OTEL_BSP_EXPORT_TIMEOUT", "0", "a whole number of milliseconds from 1 to 600000"],
    ["OTEL_BSP_EXPORT_TIMEOUT", "1.5", "a whole number of milliseconds from 1 to 600000"],
    ["OTEL_BSP_MAX_QUEUE_SIZE", "0", "an integer from 1 to 1000000"],
    ["OTEL_BSP_MAX_QUEUE_SIZE", "1e3", "an integer from 1 to 1000000"],
    ["OTEL_BSP_MAX_QUEUE_SIZE", "1000001", "an integer from 1 to 1000000"],
    ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0", "an integer from 1 to 1000000"],
    ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE", " 5", "an integer from 1 to 1000000"],
  ];
  for (const [name, value, expected] of cases) {
    assert.equal(otelError({ [name]: value }, name), `${name} must be ${expected}, got "${value}"`);
  }
});

Deno.test("OTEL_BSP_MAX_EXPORT_BATCH_SIZE above the queue size is an error naming both", () => {
  const message = otelError(
    { OTEL_BSP_MAX_QUEUE_SIZE: "100", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "101" },
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
  );
  assert.equal(
    message,
    'OTEL_BSP_MAX_EXPORT_BATCH_SIZE must not be greater than OTEL_BSP_MAX_QUEUE_SIZE (100), got "101"',
  );
  // Against the default queue size too.
  assert.match(
    otelError({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" }, "OTEL_BSP_MAX_QUEUE_SIZE"),
    /OTEL_BSP_MAX_QUEUE_SIZE \(2048\)/,
  );
  // A smaller queue with the default batch size of 512.
  otelError({ OTEL_BSP_MAX_QUEUE_SIZE: "100" }, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
});

// Batch log record processor ----------------------------------------------------------------

Deno.test("OTEL_BLRP_* settings set the batch log record processor, and only it", () => {
  const config = parse({
    OTEL_BLRP_SCHEDULE_DELAY: "0",
    OTEL_BLRP_EXPORT_TIMEOUT: "1000",
    OTEL_BLRP_MAX_QUEUE_SIZE: "100",
    OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "100",
  });
  assert.deepEqual(config.logs.batch, {
    scheduleDelayMs: 0,
    exportTimeoutMs: 1000,
    maxQueueSize: 100,
    maxExportBatchSize: 100,
  });
  assert.deepEqual(config.traces.batch, parse({}).traces.batch);
  assert.equal(
    parse({ OTEL_BLRP_SCHEDULE_DELAY: "3600000" }).logs.batch.scheduleDelayMs,
    3_600_000,
  );
  assert.equal(parse({ OTEL_BLRP_EXPORT_TIMEOUT: "600000" }).logs.batch.exportTimeoutMs, 600_000);
  assert.equal(parse({ OTEL_BLRP_MAX_QUEUE_SIZE: "1000000" }).logs.batch.maxQueueSize, 1_000_000);
  assert.equal(parse({ OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "1" }).logs.batch.maxExportBatchSize, 1);
  // And OTEL_BSP_* leave the log batches alone.
  assert.deepEqual(
    parse({ OTEL_BSP_SCHEDULE_DELAY: "7", OTEL_BSP_MAX_QUEUE_SIZE: "600" }).logs.batch,
    parse({}).logs.batch,
  );
});

Deno.test("OTEL_BLRP_* values out of range or not plain digits are errors", () => {
  const cases: [name: string, value: string, expected: string][] = [
    ["OTEL_BLRP_SCHEDULE_DELAY", "3600001", "a whole number of milliseconds from 0 to 3600000"],
    ["OTEL_BLRP_SCHEDULE_DELAY", "1s", "a whole number of milliseconds from 0 to 3600000"],
    ["OTEL_BLRP_EXPORT_TIMEOUT", "0", "a whole number of milliseconds from 1 to 600000"],
    ["OTEL_BLRP_EXPORT_TIMEOUT", "600001", "a whole number of milliseconds from 1 to 600000"],
    ["OTEL_BLRP_MAX_QUEUE_SIZE", "0", "an integer from 1 to 1000000"],
    ["OTEL_BLRP_MAX_QUEUE_SIZE", "2e3", "an integer from 1 to 1000000"],
    ["OTEL_BLRP_MAX_QUEUE_SIZE", "1000001", "an integer from 1 to 1000000"],
    ["OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "0", "an integer from 1 to 1000000"],
    ["OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "-5", "an integer from 1 to 1000000"],
  ];
  for (const [name, value, expected] of cases) {
    assert.equal(otelError({ [name]: value }, name), `${name} must be ${expected}, got "${value}"`);
  }
});

Deno.test("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE above the queue size is an error naming both", () => {
  assert.equal(
    otelError(
      { OTEL_BLRP_MAX_QUEUE_SIZE: "100", OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "101" },
      "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    ),
    'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE must not be greater than OTEL_BLRP_MAX_QUEUE_SIZE (100), got "101"',
  );
  // Against the default queue size too.
  assert.match(
    otelError({ OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "2049" }, "OTEL_BLRP_MAX_QUEUE_SIZE"),
    /OTEL_BLRP_MAX_QUEUE_SIZE \(2048\), got "2049"$/,
  );
  // A smaller queue with the default batch size of 512.
  otelError({ OTEL_BLRP_MAX_QUEUE_SIZE: "511" }, "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE");
  // The span processor's queue does not count.
  otelError(
    { OTEL_BSP_MAX_QUEUE_SIZE: "4096", OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "4096" },
    "OTEL_BLRP_MAX_QUEUE_SIZE",
  );
});
