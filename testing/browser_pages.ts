/**
 * @module Driving the board's pages in a real browser page, as a person would: the helpers the
 * Chromium tests and the screenshots task share.
 */

import type { Page } from "playwright-core";

/** Fills and sends the sign-up form; the board signs the new user in. */
export async function signUpInBrowser(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/signup`);
  await page.fill("#field-username", username);
  await page.fill("#field-password", password);
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('form[action="/signup"] button')]);
}

/** Fills and sends the sign-in form, landing on `next` (default the board). */
export async function signInInBrowser(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  await page.fill("#field-username", username);
  await page.fill("#field-password", password);
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('form[action="/signin"] button')]);
}

/** Writes a post through `/write`; resolves with its number, read from the page it lands on. */
export async function writeInBrowser(
  page: Page,
  baseUrl: string,
  post: { readonly title: string; readonly content: string },
): Promise<number> {
  await page.goto(`${baseUrl}/write`);
  await page.fill("#field-title", post.title);
  await page.fill("#field-content", post.content);
  await Promise.all([
    page.waitForURL(/\/posts\/\d+$/),
    page.click('form[action="/write"] button[type="submit"]'),
  ]);
  return Number(new URL(page.url()).pathname.split("/").pop());
}
