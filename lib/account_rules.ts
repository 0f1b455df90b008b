/** @module The username and password rules, shared by the accounts service and the ADMIN_* settings. */

/**
 * Checks the password rule: 8 to 256 characters, counted in code points after NFC
 * normalization (so an emoji counts once, and "é" counts once however it was typed).
 *
 * @returns An error sentence, or undefined when the password is acceptable.
 */
export function validatePassword(password: string): string | undefined {
  // A lone surrogate would be encoded as U+FFFD, so two different passwords could match.
  if (!password.isWellFormed()) return "Password contains a broken UTF-16 surrogate";
  const length = [...password.normalize("NFC")].length;
  if (length < 8 || length > 256) {
    return `Password must be 8-256 characters long, got ${length}`;
  }
  return undefined;
}

/**
 * Checks the username rule: 3 to 30 characters, each a lowercase letter a-z, a digit, "_",
 * "." or "-".
 *
 * @returns An error sentence, or undefined when the username is acceptable.
 */
export function validateUsername(username: string): string | undefined {
  const length = [...username].length;
  if (length < 3 || length > 30) {
    return `Username must be 3-30 characters long, got ${length}`;
  }
  if (!/^[a-z0-9_.-]+$/.test(username)) {
    return `Username may contain only lowercase letters a-z, digits 0-9, "_", "." and "-"` +
      (/[A-Z]/.test(username) ? " (uppercase letters are not allowed)" : "");
  }
  return undefined;
}
