/**
 * @module `db.query.summary` of a SQL text: its operation and the tables it names, in the
 * order they appear (`SELECT board users`), for every SQL engine's instrumentation.
 */

/** What a SQL text does, in the low-cardinality words span names and metrics use. */
export interface SqlSummary {
  /** `db.query.summary`: `SELECT board users`, `INSERT log_api`, `BEGIN`. */
  readonly summary: string;
  /** `db.operation.name`: the first operation (`SELECT`). */
  readonly operation: string;
  /** `db.collection.name`: the table, only when the statement names exactly one. */
  readonly collection: string | undefined;
}

/** Longest summary; semconv asks for at most 255 characters. */
const MAX_SUMMARY_LENGTH = 255;

/** Keywords a table name follows. */
const TABLE_BEFORE = new Set(["FROM", "JOIN", "INTO", "UPDATE", "TABLE"]);
/** Words after UPDATE/INSERT that are not the table (`INSERT OR REPLACE INTO t`). */
const NOT_A_TABLE = new Set([
  "OR",
  "ROLLBACK",
  "ABORT",
  "REPLACE",
  "FAIL",
  "IGNORE",
  "INTO",
  "ONLY",
  "LATERAL",
  "SELECT",
]);

/** Keywords that end a FROM clause's list of tables. */
const FROM_ENDS = new Set([
  "WHERE",
  "GROUP",
  "ORDER",
  "LIMIT",
  "HAVING",
  "WINDOW",
  "ON",
  "USING",
  "SET",
  "VALUES",
  "RETURNING",
]);

const TOKEN =
  /"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_"`[][A-Za-z0-9_$"`\]]*)*|--[^\n]*|\/\*[\s\S]*?\*\/|\S/g;

/**
 * Summarises `sql`: its first operation, then every table named after FROM / JOIN / INTO /
 * UPDATE (in sub-queries too), each once, quotes and schema prefixes removed: `SELECT board
 * users` for a join, `{OPERATION} {table}` for a single-table statement. String literals and
 * comments are skipped.
 */
export function summarizeSql(sql: string): SqlSummary {
  const tables = new Set<string>();
  let operation: string | undefined;
  let expectTable = false;
  let inFrom = false;
  for (const [token] of sql.matchAll(TOKEN)) {
    if (token.startsWith("--") || token.startsWith("/*") || token.startsWith("'")) continue;
    const word = token.toUpperCase();
    if (operation === undefined) {
      operation = /^[A-Z]+$/.test(word) ? word : "SQL";
      expectTable = word === "UPDATE";
      continue;
    }
    if (token === "(" || token === ")" || token === ";") {
      expectTable = false;
      inFrom = false;
      continue;
    }
    if (expectTable) {
      if (NOT_A_TABLE.has(word)) continue;
      expectTable = false;
      const table = unquote(token);
      if (table !== undefined) tables.add(table);
      continue;
    }
    if (TABLE_BEFORE.has(word)) {
      expectTable = true;
      inFrom = word === "FROM" || word === "JOIN" || inFrom;
    } else if (inFrom && token === ",") expectTable = true; // FROM a AS x, b
    else if (FROM_ENDS.has(word)) inFrom = false;
  }
  operation ??= "SQL";
  const summary = [operation, ...tables].join(" ").slice(0, MAX_SUMMARY_LENGTH);
  return { summary, operation, collection: tables.size === 1 ? [...tables][0] : undefined };
}

/** A table name without quotes or schema (`main."board"` → `board`); undefined if not a name. */
function unquote(token: string): string | undefined {
  const last = token.split(".").at(-1) ?? token;
  const name = last.replace(/^["`[]|["`\]]$/g, "").replaceAll('""', '"');
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name : undefined;
}
