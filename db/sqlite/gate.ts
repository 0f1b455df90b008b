/**
 * @module Keeps other callers out of an open transaction on the one synchronous SQLite
 * connection: an `async` transaction body yields between its statements, and a statement of
 * another request run meanwhile would join the transaction (and be rolled back with it).
 */

import type { Database } from "../database.ts";
import { storeError } from "./errors.ts";

/** Runs one piece of database work and settles with its result. */
export type Run = <T>(work: () => T | Promise<T>) => Promise<T>;

/**
 * Runs `work` at once: the way calls made through a transaction's repositories run. A
 * database locked past busy_timeout rejects with the port's StoreBusyError.
 */
export const runNow: Run = <T>(work: () => T | Promise<T>): Promise<T> => {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(storeError(error));
  }
};

/**
 * While a transaction is open, work from outside it waits until the transaction ended; with
 * none open, work runs at once (no extra hop).
 */
export class TransactionGate {
  /** Settles when the open transaction ends; undefined while none is open. */
  #open: Promise<void> | undefined;

  /** Runs `work` now, or once no transaction is open any more. */
  readonly run: Run = <T>(work: () => T | Promise<T>): Promise<T> =>
    this.#open === undefined ? runNow(work) : this.#open.then(() => this.run(work));

  /** Runs `body` in one transaction of `db`, with every other caller held at the gate. */
  async transaction<T>(db: Database, body: () => Promise<T>): Promise<T> {
    while (this.#open !== undefined) await this.#open;
    let release = () => {};
    this.#open = new Promise((resolve) => release = resolve);
    try {
      return await db.transactionAsync(body);
    } catch (error) {
      // BEGIN IMMEDIATE itself waits for another writer's lock, and may give up.
      throw storeError(error);
    } finally {
      this.#open = undefined;
      release();
    }
  }
}
