/**
 * @module Two otel-board instances on one real PostgreSQL behind a real nginx running the shipped
 * linux.conf with both in its upstream: what one writes the other reads, /log shows the calls of
 * both (told apart by service.instance.id in their spans), a page's beacon is taken by the other
 * (one RUM_SIGNING_KEY), and a SIGTERM of one under load loses no call-log row while GETs see no
 * 5xx and no POST is applied twice. Needs PostgreSQL, nginx and curl (CI installs them).
 */

import assert from "node:assert/strict";
import { curl, startNginx, viaNginx } from "../../testing/nginx.ts";
import { beaconBody, beaconRequest, issuedPage } from "../../testing/rum_beacon.ts";
import { type ReceivedSpan } from "../../testing/otlp_decode.ts";
import { startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { poll } from "../../testing/poll.ts";
import { type PostgresCluster, queryOnce, startPostgres } from "../../testing/postgres.ts";
import { type ServerProcess, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { toolInstalled } from "../../testing/tools.ts";

const cluster: PostgresCluster | undefined = await startPostgres();
const ADMIN_PASSWORD = "instances-admin-password";

function instancesTest(
  name: string,
  fn: (cluster: PostgresCluster) => Promise<void>,
  last = false,
) {
  Deno.test({
    name,
    ignore: cluster === undefined,
    fn: async () => {
      try {
        const tools = await toolInstalled("nginx", { versionArg: "-v", aptPackage: "nginx" }) &&
          await toolInstalled("curl", { versionArg: "--version", aptPackage: "curl" });
        if (tools) await fn(cluster!);
      } finally {
        if (last) await cluster![Symbol.asyncDispose]();
      }
    },
  });
}

/** Two instances on one fresh database, nginx (127.0.0.1) their only trusted proxy. */
async function twoInstances(
  c: PostgresCluster,
  cwd: string,
  extra: Record<string, string> = {},
): Promise<{ url: string; a: ServerProcess; b: ServerProcess }> {
  const url = await c.freshDatabase();
  const env = { DATABASE_URL: url, TRUSTED_PROXIES: "127.0.0.1/32", ADMIN_PASSWORD, ...extra };
  // One after the other: the first migrates, so the second's start is not what is tested here.
  const a = await startServer(env, cwd);
  const b = await startServer(env, cwd);
  return { url, a, b };
}

async function signIn(baseUrl: string): Promise<string> {
  // The first admin is created just after the listener opens.
  const login = await poll(async () => {
    const answer = await fetch(`${baseUrl}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
    });
    if (answer.status === 200) return answer;
    await answer.body?.cancel();
    return undefined;
  }, { what: "the first admin's sign-in" });
  return (await login.json()).token;
}

instancesTest(
  "Behind nginx, a post written through one instance is read through the other, /log shows calls served by both, a page's beacon is taken by the other",
  async (c) => {
    await using dir = await tempDir();
    await using receiver = await startOtlpReceiver();
    const { url, a, b } = await twoInstances(c, dir.path, {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: "50",
      RUM_SIGNING_KEY: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    });
    await using _a = a;
    await using _b = b;
    await using nginx = await startNginx([a.port, b.port]);

    const token = await signIn(a.baseUrl);
    const posted = await fetch(`${a.baseUrl}/board`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: "하나", content: "written on a" }),
    });
    assert.equal(posted.status, 201);
    const { seq } = await posted.json();
    const onB = await fetch(`${b.baseUrl}/board/posts/${seq}`);
    assert.equal((await onB.json()).content, "written on a");
    // The page of the post from a; its timing beacon answered by b (the same RUM_SIGNING_KEY).
    const page = issuedPage(
      await (await fetch(`${a.baseUrl}/posts/${seq}`)).text(),
      `/posts/${seq}`,
    );
    const beacon = await fetch(`${b.baseUrl}/rum`, beaconRequest(beaconBody(page)));
    assert.equal(beacon.status, 204, await beacon.text());

    // Through nginx, the requests alternate between the two.
    const traceIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const read = await curl(viaNginx(nginx, `/board/posts/${seq}`));
      assert.equal(read.status, 200, read.body);
      assert.equal(JSON.parse(read.body).content, "written on a");
      traceIds.push(read.headers.get("x-trace-id")!);
    }
    // Each instance writes its rows in its own batches, a few milliseconds after answering.
    await poll(async () => {
      const log = await curl(viaNginx(nginx, "/log?limit=100"));
      assert.equal(log.status, 200, log.body);
      const logged = new Set(
        (JSON.parse(log.body) as { trace_id: string | null }[]).map((row) => row.trace_id),
      );
      return traceIds.every((id) => logged.has(id)) || undefined;
    }, { what: "every call through nginx in /log" });
    const servers = await receiver.waitFor(() => {
      const spans = receiver.spans().filter((s: ReceivedSpan) =>
        s.kind === "SERVER" && traceIds.includes(s.traceId)
      );
      return spans.length === traceIds.length ? spans : undefined;
    }, { what: "the SERVER span of every call through nginx" });
    const instances = new Set(servers.map((s) => s.resource["service.instance.id"]));
    assert.equal(instances.size, 2, "both instances answered, each with its own instance id");

    await nginx.stop();
    const stopped = await Promise.all([a.stop(), b.stop()]);
    assert.deepEqual(stopped.map((r) => r.code), [0, 0], stopped.map((r) => r.stderr).join());
    const [count] = await queryOnce(
      url,
      "SELECT count(*)::int AS n FROM log_api WHERE call_url = $1",
      [`/board/posts/${seq}`],
    );
    assert.equal(count!.n, 7, "one row per read: one direct, six through nginx");
  },
);

/**
 * Runs `send(n)` (n = 0, 1, …) from `workers` loops until `done()`, putting each answer's
 * status into `statuses` by n.
 */
async function loadThrough(
  workers: number,
  statuses: Map<number, number>,
  send: (n: number) => Promise<number>,
  done: () => boolean,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (!done()) {
      const n = next++;
      statuses.set(n, await send(n));
    }
  }));
}

instancesTest(
  "A SIGTERM of one instance under load behind nginx: GETs see no 5xx, no post is written twice, every answered request has its call-log row",
  async (c) => {
    await using dir = await tempDir();
    const { url, a, b } = await twoInstances(c, dir.path, { RATE_LIMIT_POST: "off" });
    await using _a = a;
    await using _b = b;
    await using nginx = await startNginx([a.port, b.port]);
    const token = await signIn(a.baseUrl);
    const body = `${dir.path}/post.json`;
    await Deno.writeTextFile(body, JSON.stringify({ title: "load", content: "under a stop" }));

    const answers = new Map<number, number>();
    const posts = new Map<number, number>();
    let stopAt = Infinity;
    let failed = false;
    const done = () => failed || answers.size >= stopAt;
    const load = Promise.all([
      loadThrough(
        4,
        answers,
        async (n) => (await curl(viaNginx(nginx, `/board/3?n=${n}`))).status,
        done,
      ),
      loadThrough(1, posts, async (n) =>
        (await curl(viaNginx(nginx, `/board?n=${n}`), {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          bodyFile: body,
        })).status, done),
    ]);
    // Some load on both, then a stop of one while the load goes on, then more load on the other.
    const stoppedA = await (async () => {
      try {
        await poll(() => answers.size >= 40 || undefined, {
          what: "40 answers",
          timeoutMs: 30_000,
        });
        return await a.stop("SIGTERM");
      } catch (error) {
        failed = true;
        await load.catch(() => {});
        throw error;
      }
    })();
    const duringStop = answers.size;
    stopAt = duringStop + 40;
    await load;
    assert.equal(stoppedA.code, 0, stoppedA.stderr);
    assert.match(
      stoppedA.stdout,
      /\/board\/3\b/,
      "the stopped instance had its share (access records)",
    );
    await nginx.stop();
    const stoppedB = await b.stop("SIGTERM");
    assert.equal(stoppedB.code, 0, stoppedB.stderr);

    const not200 = [...answers].filter(([, status]) => status !== 200);
    assert.deepEqual(not200, [], "every GET answered 200 while nginx routed around the stop");
    assert.ok(duringStop > 40, `answers while the instance stopped (${duringStop - 40} more)`);
    const rows = await queryOnce(
      url,
      "SELECT call_url_parameter AS p, status FROM log_api WHERE call_url = '/board/3'",
    );
    const ok = rows.filter((row) => row.status === 200).map((row) => String(row.p)).sort();
    const expected = [...answers.keys()].map((n) => `n=${n}`).sort();
    assert.deepEqual(ok, expected, "one 200 row per answered request, none lost, none twice");

    // A POST is never sent twice: one that met a cut connection may answer 502, never applied
    // twice; every 201 has its post and its row.
    const created = [...posts].filter(([, status]) => status === 201).map(([n]) => `n=${n}`).sort();
    const otherPosts = [...posts].filter(([, status]) => status !== 201);
    assert.ok(otherPosts.every(([, status]) => status === 502), JSON.stringify(otherPosts));
    assert.ok(created.length > 0);
    const postRows = await queryOnce(
      url,
      "SELECT call_url_parameter AS p FROM log_api WHERE call_url = '/board' AND status = 201",
    );
    assert.deepEqual(postRows.map((row) => String(row.p)).sort(), created);
    const [written] = await queryOnce(
      url,
      "SELECT count(*)::int AS n FROM board WHERE title = 'load'",
    );
    assert.ok(
      Number(written!.n) >= created.length &&
        Number(written!.n) <= created.length + otherPosts.length,
      `${written!.n} posts for ${created.length} answered 201 and ${otherPosts.length} 502`,
    );
  },
  true,
);
