/** @module Tests for the log_api row helpers against a real migrated database and file. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { openDatabase } from "../db/database.ts";
import { logApiCount, logApiRow, logApiSeqs, logRowsInFile } from "./log_api_rows.ts";
import { tempDir } from "./temp_dir.ts";

Deno.test("logApiRow rows insert into log_api, and the readers see them", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "rows.db");
  const { db } = openDatabase(path, { synchronous: "normal" });
  const row = logApiRow({ call_url: "/log", status: 404 });
  const columns = Object.keys(row);
  const insert = db.prepare(
    `INSERT INTO log_api (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
  );
  insert.run(...Object.values(row));
  insert.run(...Object.values(logApiRow()));
  assert.equal(logApiCount(db), 2);
  const seqs = logApiSeqs(db);
  assert.equal(seqs.length, 2);
  assert.ok(seqs[0]! < seqs[1]!, "ascending");
  db.close();
  const rows = logRowsInFile(path);
  assert.deepEqual(rows.map((r) => [r.call_url, r.status]), [["/log", 404], ["/board", 200]]);
});
