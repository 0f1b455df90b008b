/**
 * @module What an import needs of the database it fills, in one open transaction: the few
 * reads and writes each engine (SQLite, PostgreSQL) answers in its own SQL, so the checking and
 * conversion in import_flask.ts are the same for both.
 */

import type { ImportedCall, ImportedPost } from "./convert.ts";

/** A post already in the target, as the clash and demo-post rules look at it. */
export interface ExistingPost {
  readonly seq: number;
  readonly imported: 0 | 1;
  readonly authorId: number | null;
  readonly title: string;
  readonly content: string;
  /** True when create_date = update_date (never edited). */
  readonly unedited: boolean;
}

/** otel-board's own call-log rows (method known) and the highest imported `seq`. */
export interface OwnCalls {
  /** The lowest `seq` of an own row; undefined when there is none. */
  readonly low: number | undefined;
  readonly rows: number;
  /** The highest `seq` of an imported row (method unknown), 0 when there is none. */
  readonly importedHigh: number;
}

/** What the next prune would delete of the imported call-log rows. */
export interface RetentionCounts {
  /** Imported rows older than `cutoff` or at or below the count limit's last `seq`. */
  readonly either: number;
  readonly byAge: number;
  readonly byCount: number;
  /** The earliest `start_time` of an imported row. */
  readonly oldestStart: string | undefined;
  /** Every call-log row. */
  readonly total: number;
}

/** The database being imported into, inside the import's one transaction. */
export interface FlaskImportTarget {
  /** The posts among `seqs` that exist. */
  postsAt(seqs: readonly number[]): Promise<ExistingPost[]>;
  /** The `seqs` that hold an imported call-log row (method unknown). */
  importedCallsAt(seqs: readonly number[]): Promise<number[]>;
  /** Every post without an author that was not imported (the demo-post candidates). */
  unauthoredPosts(): Promise<ExistingPost[]>;
  removePosts(seqs: readonly number[]): Promise<void>;
  ownCalls(): Promise<OwnCalls>;
  /** Adds `by` to the `seq` of every own call-log row, no two rows sharing one on the way. */
  moveOwnCalls(by: number): Promise<void>;
  /** Inserts posts with their `seq`, marked imported, without an author. */
  insertPosts(posts: readonly ImportedPost[]): Promise<void>;
  /** Inserts call-log rows with their `seq`. */
  insertCalls(calls: readonly ImportedCall[]): Promise<void>;
  /** Makes new posts and call-log rows get ids after every row's. */
  advanceCounters(): Promise<void>;
  /**
   * Counts what a prune would delete: imported rows with `start_time < cutoff` (an empty
   * `cutoff` matches none) or beyond the newest `maxRows` rows (0: no count limit).
   */
  retentionCounts(cutoff: string, maxRows: number): Promise<RetentionCounts>;
}
