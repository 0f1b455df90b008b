/** @module The pages' one style sheet, a module of the program (the compiled binary carries it). */

/** The CSS served at `/static/board.css`: system fonts, no external assets, fits 360 px. */
export const BOARD_CSS = `
:root {
  color-scheme: light;
  --ink: #1d2430; --muted: #5b6577; --line: #dde2ea; --paper: #ffffff; --bg: #f4f6f9;
  --accent: #2357c6; --accent-ink: #ffffff; --bad: #b3261e; --good: #1b6e3a;
  font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Apple SD Gothic Neo",
    "Malgun Gothic", sans-serif;
  font-size: 16px; line-height: 1.5; color: var(--ink); background: var(--bg);
}
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: .25rem 1rem;
  padding: .6rem 1rem; background: var(--paper); border-bottom: 1px solid var(--line);
}
.brand { font-weight: 700; color: var(--ink); text-decoration: none; margin-right: auto; }
.top nav { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem .9rem; }
.top nav a { text-decoration: none; }
.top nav a:hover, .top nav a:focus { text-decoration: underline; }
form.inline { display: inline; margin: 0; }
button.link {
  background: none; border: 0; padding: 0; font: inherit; color: var(--accent); cursor: pointer;
}
button.link:hover, button.link:focus { text-decoration: underline; }
main { max-width: 56rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
.card {
  background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
  padding: .9rem 1rem; margin: 0 0 .75rem;
}
.posts { list-style: none; margin: 0; padding: 0; }
.meta { color: var(--muted); font-size: .875rem; margin: 0 0 .35rem; }
.excerpt { margin: 0; overflow-wrap: anywhere; color: var(--ink); }
.body { white-space: pre-wrap; overflow-wrap: anywhere; margin: .75rem 0 0; }
.search { display: flex; gap: .5rem; margin: 0 0 1rem; }
.search input { flex: 1; min-width: 0; }
.pager { display: flex; justify-content: space-between; gap: 1rem; margin: 1rem 0; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: 1rem; }
.field { margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin: 0 0 .25rem; }
input, textarea, select {
  font: inherit; width: 100%; padding: .5rem .6rem; border: 1px solid #b8c0cc;
  border-radius: 6px; background: #fff; color: var(--ink);
}
input[type="checkbox"] { width: auto; }
textarea { resize: vertical; }
.field.invalid input, .field.invalid textarea { border-color: var(--bad); }
.hint { color: var(--muted); font-size: .85rem; margin: .2rem 0 0; }
.error { color: var(--bad); font-size: .9rem; margin: .25rem 0 0; }
.notice { color: var(--good); }
.banner {
  border-left: 4px solid var(--bad); background: #fdf0ef; padding: .6rem .8rem;
  margin: 0 0 1rem; overflow-wrap: anywhere;
}
.button, button:not(.link) {
  font: inherit; display: inline-block; padding: .5rem 1rem; border-radius: 6px;
  border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink);
  cursor: pointer; text-decoration: none;
}
.button.secondary, button.secondary {
  background: var(--paper); color: var(--accent);
}
button.danger { background: var(--bad); border-color: var(--bad); }
.narrow { max-width: 26rem; }
.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: 0 1rem; }
.table-wrap { overflow-x: auto; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: .875rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { white-space: nowrap; }
.log td { white-space: nowrap; }
.log td.path, .log td.trace { font-family: ui-monospace, "SFMono-Regular", monospace; }
.log td.path { white-space: normal; overflow-wrap: anywhere; min-width: 8rem; }
.log td.trace { font-size: .8rem; }
.log .query { display: block; color: var(--muted); font-size: .8rem; }
.users td form { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.users select { width: auto; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap;
}
.trace-note { color: var(--muted); font-size: .8rem; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  main { padding: .75rem; }
  .top { padding: .5rem .75rem; }
  .log th:nth-child(6), .log td:nth-child(6) { display: none; }
}
`;
