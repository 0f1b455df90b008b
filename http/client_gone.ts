/** @module The client went away before its answer: nginx's 499 "client closed request". */

/** Status recorded (never sent) for a request whose client disconnected first. */
export const CLIENT_CLOSED_REQUEST = 499;

/** Thrown when the connection ended while the request was still being read. */
export class ClientGoneError extends Error {
  override name = "ClientGoneError";
}
