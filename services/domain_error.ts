/** @module The one error type services throw: a rule was broken, in words a client may read. */

/** What kind of rule was broken; the HTTP layer maps each to its status. */
export type DomainErrorKind =
  | "invalid_body"
  | "invalid_parameter"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict";

/** A broken rule (validation, ownership, existence); `message` is shown to the client. */
export class DomainError extends Error {
  override name = "DomainError";
  readonly kind: DomainErrorKind;

  /** `message` must be a sentence a person understands, without internals. */
  constructor(kind: DomainErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}
