/** @module Housekeeping SQL that keeps query plans good as tables grow and shrink. */

import type { Database } from "./database.ts";

/**
 * Refreshes planner statistics where tables changed a lot since the last analysis
 * (`PRAGMA optimize`, cheap when nothing changed), so that when `/log` combines filters
 * SQLite picks the most selective index.
 */
export function refreshPlannerStatistics(db: Database): void {
  db.prepare("PRAGMA optimize").all();
}
