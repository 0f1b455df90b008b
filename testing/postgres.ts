/**
 * @module A throwaway PostgreSQL cluster from Debian's `postgresql` package for tests: `initdb`
 * into a temp dir, `pg_ctl start` on a free loopback port (as the `postgres` user when run as
 * root), a fresh database per test, password authentication as in production.
 */

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free_port.ts";
import { toolInstalled } from "./tools.ts";

/** The cluster's superuser and its password (scram-sha-256, over TCP only). */
export const POSTGRES_USER = "postgres";
export const POSTGRES_PASSWORD = "test-password-1";

/** A running throwaway cluster; disposing stops it and removes its files. */
export interface PostgresCluster extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** Creates a new empty database; resolves with its URL (password included). */
  freshDatabase(): Promise<string>;
  /** The URL of database `name` without the password (for PGPASSWORD tests). */
  urlWithoutPassword(name: string): string;
  /** Stops the server (fast shutdown: open connections are cut), keeping its files. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port. */
  start(): Promise<void>;
}

/**
 * Where Debian keeps the PostgreSQL programs (/usr/lib/postgresql/<major>/bin, not on PATH),
 * the newest major first; undefined when none is installed.
 */
export function postgresBinDir(root = "/usr/lib/postgresql"): string | undefined {
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = join(root, major, "bin");
    if (existsSync(join(bin, "initdb"))) return bin;
  }
  return undefined;
}

/**
 * Whether PostgreSQL can run here, with the tools.ts rule: false (and "skipped: …") locally when
 * it is missing, an error under CI=true.
 */
export async function postgresInstalled(): Promise<boolean> {
  const bin = postgresBinDir();
  return await toolInstalled(bin === undefined ? "initdb" : join(bin, "initdb"), {
    versionArg: "--version",
    aptPackage: "postgresql",
  });
}

const runAsPostgres = Deno.uid() === 0;

async function run(program: string, args: string[]): Promise<string> {
  const [command, commandArgs] = runAsPostgres
    ? ["runuser", ["-u", POSTGRES_USER, "--", program, ...args]]
    : [program, args];
  const out = await new Deno.Command(command, {
    args: commandArgs,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${program} ${args.join(" ")} failed:\n${text}`);
  return text;
}

async function postgresUid(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => {
    const out = await new Deno.Command("id", { args: [flag, POSTGRES_USER], stdout: "piped" })
      .output();
    return Number(new TextDecoder().decode(out.stdout).trim());
  };
  return { uid: await id("-u"), gid: await id("-g") };
}

/** Registers a test that needs the file's cluster; see {@link postgresTests}. */
export type PostgresTest = (
  name: string,
  fn: (cluster: PostgresCluster) => Promise<void>,
  last?: boolean,
) => void;

/**
 * Starts one cluster for a test file and gives the `Deno.test` wrapper for the tests that need
 * it: each is ignored when PostgreSQL is not installed (which fails under CI=true, see
 * {@link postgresInstalled}), and the cluster stops after the test registered with `last`.
 */
export async function postgresTests(): Promise<
  { cluster: PostgresCluster | undefined; pgTest: PostgresTest }
> {
  const cluster = await startPostgres();
  const pgTest: PostgresTest = (name, fn, last = false) => {
    Deno.test({
      name,
      ignore: cluster === undefined,
      fn: async () => {
        try {
          await fn(cluster!);
        } finally {
          if (last) await cluster![Symbol.asyncDispose]();
        }
      },
    });
  };
  return { cluster, pgTest };
}

/**
 * Initialises and starts a cluster on a free loopback port, or resolves undefined when
 * PostgreSQL is not installed (see {@link postgresInstalled}).
 */
export async function startPostgres(): Promise<PostgresCluster | undefined> {
  if (!await postgresInstalled()) return undefined;
  const bin = postgresBinDir()!;
  const dir = await Deno.makeTempDir({ prefix: "otel-board-pg-" });
  if (runAsPostgres) {
    const { uid, gid } = await postgresUid();
    await Deno.chown(dir, uid, gid);
  }
  const data = join(dir, "data");
  const passwordFile = join(dir, "password");
  await Deno.writeTextFile(passwordFile, POSTGRES_PASSWORD);
  if (runAsPostgres) {
    const { uid, gid } = await postgresUid();
    await Deno.chown(passwordFile, uid, gid);
  }
  await run(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    POSTGRES_USER,
    `--pwfile=${passwordFile}`,
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "--encoding=UTF8",
    "--locale=C.UTF-8",
  ]);
  const host = "127.0.0.1";
  const port = freePort();
  const pgCtl = (action: "start" | "stop") =>
    run(
      join(bin, "pg_ctl"),
      action === "start"
        ? [
          "-D",
          data,
          "-l",
          join(dir, "server.log"),
          "-w",
          "-o",
          `-p ${port} -k ${dir} -c listen_addresses=${host} -c fsync=off`,
          "start",
        ]
        : ["-D", data, "-m", "fast", "-w", "stop"],
    );
  await pgCtl("start");
  let running = true;
  // A test file that ends without disposing (a filtered run, a failed set-up) must not leave
  // a server behind: at exit, the postmaster gets SIGQUIT (immediate shutdown, children too).
  const postmasterPid = async () =>
    Number((await Deno.readTextFile(join(data, "postmaster.pid"))).split("\n")[0]);
  let pid = await postmasterPid();
  const atExit = () => {
    if (!running) return;
    try {
      Deno.kill(pid, "SIGQUIT");
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone, or still going: nothing more can be done at exit.
    }
  };
  globalThis.addEventListener("unload", atExit);
  let databases = 0;
  const urlOf = (name: string, password: boolean) =>
    `postgres://${POSTGRES_USER}${password ? `:${POSTGRES_PASSWORD}` : ""}@${host}:${port}/${name}`;
  return {
    host,
    port,
    urlWithoutPassword: (name) => urlOf(name, false),
    async freshDatabase() {
      const name = `test_${++databases}`;
      await queryOnce(urlOf("postgres", true), `CREATE DATABASE ${name}`);
      return urlOf(name, true);
    },
    async stop() {
      await pgCtl("stop");
      running = false;
    },
    async start() {
      await pgCtl("start");
      pid = await postmasterPid();
      running = true;
    },
    async [Symbol.asyncDispose]() {
      globalThis.removeEventListener("unload", atExit);
      if (running) await pgCtl("stop");
      running = false;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * Runs one statement on a connection of its own (closed after) and resolves with its rows: for
 * tests that check what the service wrote.
 */
export async function queryOnce(
  url: string,
  sql: string,
  params: readonly (string | number | null)[] = [],
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params.length === 0 ? undefined : [...params])).rows;
  } finally {
    await client.end();
  }
}
