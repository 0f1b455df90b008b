/** @module The process's exit codes, one meaning each (README, "Commands"). */

/** The command did what it was asked. */
export const EXIT_OK = 0;
/** The command failed (port taken, permission denied, a forced stop). */
export const EXIT_FAILED = 1;
/** Bad usage or an invalid setting: the operator must change the command line or a variable. */
export const EXIT_INVALID_SETTING = 2;
