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
  /**
   * The input field the rule is about (`title`, `password`…), when there is one: the pages
   * show their message beside that field. The API answers leave it out.
   */
  readonly field: string | undefined;

  /** `message` must be a sentence a person understands, without internals. */
  constructor(kind: DomainErrorKind, message: string, options: { readonly field?: string } = {}) {
    super(message);
    this.kind = kind;
    this.field = options.field;
  }
}
