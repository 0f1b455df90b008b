/**
 * @module `deno task screenshots`: starts the service on a temporary database with demo data,
 * writes a few Korean posts, and saves desktop and 360 px pictures of the pages to
 * docs/screenshots/ with the same Chromium the tests use.
 */

import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser.ts";
import { signInInBrowser } from "./browser_pages.ts";
import { poll } from "./poll.ts";
import { ROOT } from "./root.ts";
import { startServer } from "./server_process.ts";
import { tempDir } from "./temp_dir.ts";

const ADMIN_PASSWORD = "screenshot-admin-1";
const OUT = join(ROOT, "docs", "screenshots");

const POSTS = [
  {
    title: "서울 날씨 이야기",
    content: "오늘 서울은 맑고 바람이 시원합니다. 내일은 비 소식이 있어요.",
  },
  {
    title: "점심 메뉴 추천 받습니다",
    content: "회사 근처에 새로 생긴 국수집 가 보신 분 계신가요?",
  },
  {
    title: "트레이스로 느린 요청 찾기",
    content: "호출 기록에서 트레이스 ID를 누르면 Grafana에서 바로 열립니다.",
  },
];

/** One picture: the page, the viewport width, and what to do before taking it. */
interface Shot {
  readonly file: string;
  readonly path: string;
  readonly width: 1280 | 360;
  readonly admin?: boolean;
  readonly prepare?: (page: Page) => Promise<void>;
}

const SHOTS: readonly Shot[] = [
  { file: "board-desktop.png", path: "/", width: 1280 },
  { file: "board-mobile.png", path: "/", width: 360 },
  { file: "post-mobile.png", path: "/posts/7", width: 360, admin: true },
  {
    file: "write-error-mobile.png",
    path: "/write",
    width: 360,
    admin: true,
    prepare: async (page) => {
      await page.fill(
        "#field-title",
        "제목이 서른 자를 넘으면 어떻게 되는지 시험해 보는 아주 긴 제목",
      );
      await page.fill("#field-content", "검증 메시지는 API와 같은 규칙으로 필드 옆에 나옵니다.");
      await Promise.all([page.waitForLoadState(), page.click('form[action="/write"] button')]);
      await page.waitForSelector(".error");
    },
  },
  { file: "log-desktop.png", path: "/manage/log", width: 1280, admin: true },
];

async function takeShots(browser: Browser, baseUrl: string): Promise<void> {
  await Deno.mkdir(OUT, { recursive: true });
  for (const shot of SHOTS) {
    const context = await browser.newContext({
      viewport: { width: shot.width, height: shot.width === 360 ? 640 : 800 },
      locale: "ko-KR",
      timezoneId: "Asia/Seoul",
      extraHTTPHeaders: { "accept-language": "ko-KR,ko;q=0.9" },
    });
    const page = await context.newPage();
    if (shot.admin) await signInInBrowser(page, baseUrl, "admin", ADMIN_PASSWORD);
    await page.goto(`${baseUrl}${shot.path}`);
    await shot.prepare?.(page);
    await page.screenshot({ path: join(OUT, shot.file) });
    await context.close();
    Deno.stdout.writeSync(new TextEncoder().encode(`Saved docs/screenshots/${shot.file}\n`));
  }
}

async function main(): Promise<void> {
  await using browser = await launchChromium();
  if (browser === undefined) throw new Error("Cannot take screenshots: chromium is not installed");
  await using dir = await tempDir();
  await using server = await startServer({
    ADMIN_PASSWORD,
    DISPLAY_TIMEZONE: "Asia/Seoul",
    TRACE_URL_TEMPLATE: "https://grafana.example/explore?traceId={trace_id}",
  }, dir.path);
  // The first admin is created just after the listener opens.
  const token = await poll(async () => {
    const login = await fetch(`${server.baseUrl}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
    });
    const body = await login.json();
    return login.status === 200 && String(body.token);
  }, { what: "the first admin" });
  for (const post of POSTS) {
    const created = await fetch(`${server.baseUrl}/board`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(post),
    });
    if (created.status !== 201) throw new Error(`Cannot write a post: ${await created.text()}`);
  }
  await takeShots(browser, server.baseUrl);
}

if (import.meta.main) await main();
