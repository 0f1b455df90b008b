/**
 * @module Tests for DATABASE_URL and the PostgreSQL password settings: the URL's grammar, its
 * masked form, where the password comes from, and DB_PATH beside it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { databasePassword } from "../../config/database_password.ts";
import { databaseUrl } from "../../config/database_url.ts";
import { parseBothEngines, parseSettings } from "../../config/load.ts";
import { ConfigError } from "../../config/types.ts";
import { tempDir } from "../../testing/temp_dir.ts";

Deno.test("DATABASE_URL keeps the URL for the client and masks its password for the logs", () => {
  const parsed = databaseUrl("postgres://board:s3cr%40t@db.example:5433/otel?sslmode=require", "X");
  assert.equal(parsed.url, "postgres://board:s3cr%40t@db.example:5433/otel?sslmode=require");
  assert.equal(parsed.masked, "postgres://board:***@db.example:5433/otel?sslmode=require");
  assert.equal(parsed.hasPassword, true);
  assert.equal(parsed.database, "otel");
  const plain = databaseUrl("postgresql://board@localhost/otel", "X");
  assert.equal(plain.masked, "postgresql://board@localhost/otel");
  assert.equal(plain.hasPassword, false);
});

Deno.test("A DATABASE_URL that cannot work is refused without repeating its password", () => {
  const cases: [string, RegExp][] = [
    ["not a url", /must be a URL/],
    ["mysql://u:pw-secret@h/db", /must start with postgres:\/\//],
    ["postgres://u:pw-secret@h", /must name one database/],
    ["postgres://u:pw-secret@h/a/b", /must name one database/],
    ["postgres://h/db", /has no user/],
    ["postgres://u:pw-secret@h/db?sslmode=always", /sslmode must be one of disable, prefer/],
    ["postgres://u:pw-secret@h/db?application_name=x", /unknown parameter "application_name"/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => databaseUrl(raw, "DATABASE_URL"), (error: unknown) => {
      assert.ok(error instanceof ConfigError, raw);
      assert.match(error.message, message, raw);
      assert.ok(error.message.startsWith("DATABASE_URL"), error.message);
      assert.ok(!error.message.includes("pw-secret"), error.message);
      return true;
    });
  }
});

Deno.test("DATABASE_URL with DB_PATH or --db is an error, except for copying between them", () => {
  const url = "postgres://u@h/db";
  assert.throws(
    () => parseSettings({ DATABASE_URL: url, DB_PATH: "x.db" }),
    /DATABASE_URL and DB_PATH are both set/,
  );
  assert.throws(
    () => parseSettings({ DATABASE_URL: url }, new Map([["--db", "x.db"]])),
    /DATABASE_URL and DB_PATH are both set/,
  );
  assert.equal(parseSettings({ DATABASE_URL: url }).database.url?.database, "db");
  const both = parseBothEngines({ DATABASE_URL: url, DB_PATH: "x.db" });
  assert.equal(both.database.url?.database, "db");
  assert.match(both.database.path, /x\.db$/);
});

Deno.test("The PostgreSQL password comes from the URL, else DATABASE_PASSWORD_FILE, else PGPASSWORD", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "pw");
  await Deno.writeTextFile(file, "from-file\nignored\n");
  const settings = (env: Record<string, string>) => parseSettings(env).database;
  assert.equal(
    databasePassword(settings({ DATABASE_URL: "postgres://u:in-url@h/db", PGPASSWORD: "x" })),
    undefined,
    "the URL's own password: the client reads it there",
  );
  assert.equal(
    databasePassword(
      settings({
        DATABASE_URL: "postgres://u@h/db",
        DATABASE_PASSWORD_FILE: file,
        PGPASSWORD: "x",
      }),
    ),
    "from-file",
  );
  assert.equal(
    databasePassword(settings({ DATABASE_URL: "postgres://u@h/db", PGPASSWORD: "from-env" })),
    "from-env",
  );
  assert.throws(
    () =>
      databasePassword(
        settings({
          DATABASE_URL: "postgres://u@h/db",
          DATABASE_PASSWORD_FILE: join(dir.path, "no"),
        }),
      ),
    /DATABASE_PASSWORD_FILE: cannot read it/,
  );
  assert.throws(() => parseSettings({ DATABASE_POOL_SIZE: "1" }), /DATABASE_POOL_SIZE/);
});
