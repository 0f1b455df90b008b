/** @module Housekeeping SQL that keeps query plans good as tables grow and shrink. */

import type { Database } from "./database.ts";

/**
 * Refreshes planner statistics where tables changed a lot since the last analysis
 * (`PRAGMA optimize`, cheap when nothing changed), so that when `/log` combines filters
 * SQLite picks the most selective index. Runs on the background connection when there is one.
 */
export function refreshPlannerStatistics(db: Database): void | Promise<unknown> {
  const done = db.runInBackground("PRAGMA optimize", []);
  return done instanceof Promise ? done : undefined;
}
