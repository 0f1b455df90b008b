/** @module A fresh, migrated :memory: database for tests. */

import { openDatabase } from "../db/database.ts";
import type { Database } from "../db/database.ts";

/** A fresh, migrated :memory: database, closed on dispose. */
export function memoryDb(): { db: Database } & Disposable {
  const { db } = openDatabase(":memory:", { synchronous: "normal" });
  return { db, [Symbol.dispose]: () => db.close() };
}
