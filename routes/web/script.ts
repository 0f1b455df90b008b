/** @module The pages' one script, a module of the program: it only enhances what works without it. */

/**
 * The JavaScript served at `/static/board.js`: shows each `<time datetime>` in the reader's own
 * time zone (the server wrote it in DISPLAY_TIMEZONE).
 */
export const BOARD_SCRIPT = `
const lang = document.documentElement.lang === "en" ? "en-GB" : "ko-KR";
const format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
for (const time of document.querySelectorAll("time[datetime]")) {
  const when = new Date(time.getAttribute("datetime"));
  if (!Number.isNaN(when.getTime())) {
    time.title = time.textContent;
    time.textContent = format.format(when);
  }
}
`;
