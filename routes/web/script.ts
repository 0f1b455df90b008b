/** @module The pages' one script, a module of the program: it only enhances what works without it. */

/**
 * The JavaScript served at `/static/board.js`: shows each `<time datetime>` in the reader's own
 * time zone (the server wrote it in DISPLAY_TIMEZONE); and, once the page has loaded, sends one
 * beacon to `POST /rum` with the page's Navigation Timing figures and the timings of the fetches
 * made so far, with the page's signed trace context, so the server makes them spans of the
 * page's trace.
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

const NAVIGATION = [
  "domainLookupStart", "domainLookupEnd", "connectStart", "connectEnd", "secureConnectionStart",
  "requestStart", "responseStart", "responseEnd", "domInteractive", "domComplete",
  "loadEventStart", "loadEventEnd", "transferSize", "responseStatus", "type",
];
const FETCH = ["startTime", "requestStart", "responseStart", "responseEnd", "transferSize", "responseStatus"];
const MAX_FETCHES = 20;

function pick(entry, names) {
  const picked = {};
  for (const name of names) {
    const value = entry[name];
    if (typeof value === "number") picked[name] = Math.max(0, value);
    else if (typeof value === "string") picked[name] = value;
  }
  return picked;
}

function sendTimings() {
  const traceparent = document.querySelector('meta[name="traceparent"]')?.content;
  const signed = document.querySelector('meta[name="otel-board-rum"]')?.content;
  const [navigation] = performance.getEntriesByType("navigation");
  if (!traceparent || !signed || navigation === undefined) return;
  const [issuedAt, signature] = signed.split(".");
  const fetches = performance.getEntriesByType("resource")
    .filter((entry) => entry.initiatorType === "fetch" || entry.initiatorType === "xmlhttprequest")
    .map((entry) => ({ url: new URL(entry.name, location.href), entry }))
    .filter(({ url }) => url.origin === location.origin && url.pathname !== "/rum")
    .slice(0, MAX_FETCHES)
    .map(({ url, entry }) => ({ path: url.pathname, ...pick(entry, FETCH) }));
  const body = JSON.stringify({
    traceparent,
    issued_at: Number(issuedAt),
    signature,
    path: location.pathname,
    navigation: pick(navigation, NAVIGATION),
    fetches,
  });
  const blob = new Blob([body], { type: "application/json" });
  if (!navigator.sendBeacon?.("/rum", blob)) {
    fetch("/rum", { method: "POST", body: blob, keepalive: true, credentials: "omit" })
      .catch(() => {});
  }
}

// After the load event has ended, so loadEventEnd is known.
if (document.readyState === "complete") setTimeout(sendTimings, 0);
else addEventListener("load", () => setTimeout(sendTimings, 0), { once: true });
`;
