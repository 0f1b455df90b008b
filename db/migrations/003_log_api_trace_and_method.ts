/** @module Migration 3: indexes for the GET /log filters by trace id and by method. */

/**
 * Like the other `/log` indexes, each ends in start_time (and, implicitly, seq), so a filter is
 * one index range read newest first, never a sort. Partial on trace_id: rows without a span
 * (telemetry off) are never looked up by it and cost the index nothing.
 */
export const LOG_API_TRACE_AND_METHOD = `
CREATE INDEX log_api_trace_id ON log_api (trace_id, start_time) WHERE trace_id IS NOT NULL;
CREATE INDEX log_api_method ON log_api (method, start_time);
`;
