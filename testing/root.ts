/** @module The repository root, for tests and benchmarks that read shipped files. */

import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));
