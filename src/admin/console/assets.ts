/**
 * The console's stylesheet and script, served by the Worker from /admin/static/ (no build step, no CDN):
 * the CSP allows scripts and styles from this origin only, so no inline code runs at all.
 */
export const CONSOLE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #5d6675; --line: #e2e5ea;
  --accent: #4f46e5; --accent-text: #fff; --accent-soft: #eef0ff;
  --ok: #117a43; --ok-soft: #e3f6ea; --warn: #9a5b00; --warn-soft: #fff3dc;
  --danger: #b42318; --danger-soft: #fde8e6; --on-danger: #fff; --focus: #7c74ff;
  --radius: 10px; --shadow: 0 1px 2px rgb(16 24 40 / 6%), 0 1px 3px rgb(16 24 40 / 8%);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12151b; --panel: #1a1e26; --text: #e7e9ee; --muted: #9aa3b2; --line: #2c323d;
    --accent: #8b85ff; --accent-text: #12151b; --accent-soft: #262a48;
    --ok: #5fd39a; --ok-soft: #15321f; --warn: #f0b45c; --warn-soft: #3a2a10;
    --danger: #ff8a80; --danger-soft: #3d1a18; --on-danger: #12151b; --focus: #a9a4ff;
  }
}
* { box-sizing: border-box; }
html { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--accent); text-underline-offset: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--panel); padding: .5rem 1rem; z-index: 2; }
header.top { background: var(--panel); border-bottom: 1px solid var(--line); }
header.top .bar { max-width: 1200px; margin: 0 auto; padding: .6rem 1.25rem; display: flex; gap: 1.25rem;
  align-items: center; flex-wrap: wrap; }
.brand { font-weight: 700; letter-spacing: -.01em; color: var(--text); text-decoration: none; display: flex;
  align-items: center; gap: .5rem; }
.brand .logo { width: 1.6rem; height: 1.6rem; border-radius: 7px; background: var(--accent); color: var(--accent-text);
  display: grid; place-items: center; font-size: .85rem; }
nav.main { display: flex; gap: .25rem; flex-wrap: wrap; flex: 1; }
nav.main a { padding: .35rem .7rem; border-radius: 7px; color: var(--muted); text-decoration: none; font-weight: 500; }
nav.main a:hover { background: var(--bg); color: var(--text); }
nav.main a[aria-current="page"] { background: var(--accent-soft); color: var(--accent); }
.who { display: flex; gap: .75rem; align-items: center; color: var(--muted); font-size: .9rem; }
main { max-width: 1200px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; letter-spacing: -.02em; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
.subtitle { color: var(--muted); margin: 0 0 1.25rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow);
  padding: 1.1rem 1.25rem; margin-bottom: 1.25rem; }
.grid { display: grid; gap: 1.25rem; grid-template-columns: repeat(auto-fit, minmax(min(340px, 100%), 1fr)); }
.grid > * { min-width: 0; }
.grid > .panel { margin-bottom: 0; }
.stack { display: grid; gap: 1.25rem; align-content: start; }
label { display: block; font-weight: 600; font-size: .85rem; margin-bottom: .3rem; }
.field { margin-bottom: .9rem; }
.hint { color: var(--muted); font-size: .82rem; margin-top: .25rem; font-weight: 400; }
.field-error { color: var(--danger); font-size: .85rem; margin: .3rem 0 0; font-weight: 500; }
[aria-invalid="true"] { border-color: var(--danger); }
input[type=text], input[type=email], input[type=password], input[type=search], input[type=number], input[type=date],
select, textarea {
  width: 100%; font: inherit; color: inherit; background: var(--panel); border: 1px solid var(--line);
  border-radius: 8px; padding: .5rem .65rem; min-height: 2.4rem;
}
input:focus, select:focus, textarea:focus { border-color: var(--accent); }
input[readonly] { background: var(--bg); color: var(--muted); }
.check { display: flex; align-items: center; gap: .5rem; font-weight: 600; font-size: .9rem; margin-bottom: .9rem; }
.check input { width: 1.1rem; height: 1.1rem; accent-color: var(--accent); }
button, .button {
  font: inherit; font-weight: 600; border-radius: 8px; padding: .5rem 1rem; min-height: 2.4rem; cursor: pointer;
  border: 1px solid var(--accent); background: var(--accent); color: var(--accent-text); text-decoration: none;
  display: inline-flex; align-items: center; gap: .4rem;
}
button.secondary, .button.secondary { background: var(--panel); color: var(--text); border-color: var(--line); }
button.danger { background: var(--danger); border-color: var(--danger); color: var(--on-danger); }
button.link { background: none; border: none; color: var(--accent); padding: 0; min-height: 0; font-weight: 500; }
button:disabled { opacity: .5; cursor: not-allowed; }
.actions { display: flex; gap: .6rem; flex-wrap: wrap; align-items: center; }
.actions form { margin: 0; }
.filters { display: grid; gap: .75rem; grid-template-columns: 2fr repeat(5, minmax(110px, 1fr)) auto; align-items: end; }
.filters .field { margin: 0; }
@media (max-width: 900px) { .filters { grid-template-columns: 1fr 1fr; } .filters .grow { grid-column: 1 / -1; } }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: var(--radius); background: var(--panel); }
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
th, td { text-align: left; padding: .6rem .8rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background: var(--bg); }
tbody tr:last-child td { border-bottom: none; }
tbody tr:hover td { background: color-mix(in srgb, var(--accent-soft) 40%, transparent); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; overflow-wrap: anywhere; }
td time, td.nowrap { white-space: nowrap; }
.spaced-heading { margin-top: 1.75rem; }
.actions.spaced { margin-top: .9rem; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .78rem; font-weight: 600;
  background: var(--bg); color: var(--muted); border: 1px solid var(--line); white-space: nowrap; }
.badge.ok { background: var(--ok-soft); color: var(--ok); border-color: transparent; }
.badge.warn { background: var(--warn-soft); color: var(--warn); border-color: transparent; }
.badge.danger { background: var(--danger-soft); color: var(--danger); border-color: transparent; }
.badge.accent { background: var(--accent-soft); color: var(--accent); border-color: transparent; }
.notice { border-radius: var(--radius); padding: .75rem 1rem; margin-bottom: 1.25rem; font-weight: 500;
  background: var(--ok-soft); color: var(--ok); }
.notice.error { background: var(--danger-soft); color: var(--danger); }
.notice.info { background: var(--accent-soft); color: var(--accent); }
.notice ul { margin: .4rem 0 0; padding-left: 1.2rem; font-weight: 400; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); font-size: .88rem; }
dl.facts dd { margin: 0; }
.pager { display: flex; justify-content: space-between; align-items: center; margin-top: .9rem; color: var(--muted); }
progress { width: 100px; height: .5rem; accent-color: var(--accent); vertical-align: middle; }
ul.changes { margin: 0; padding-left: 1rem; }
.grid.tight { gap: 0 1rem; }
.grid.spaced { margin-top: 1.25rem; }
.check.inline { margin: 0; }
details.plan { border: 1px solid var(--line); border-radius: var(--radius); background: var(--panel); margin-bottom: .75rem; }
details.plan > summary { padding: .8rem 1rem; cursor: pointer; font-weight: 600; display: flex; gap: .75rem;
  align-items: center; list-style: none; }
details.plan > summary::before { content: "▸"; color: var(--muted); }
details.plan[open] > summary::before { content: "▾"; }
details.plan > .body { padding: 0 1rem 1rem; border-top: 1px solid var(--line); padding-top: 1rem; }
.quota-grid { display: grid; gap: .75rem; grid-template-columns: repeat(auto-fit, minmax(min(200px, 100%), 1fr)); }
fieldset { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem .25rem; margin: 0 0 .9rem; }
legend { font-weight: 600; font-size: .85rem; padding: 0 .3rem; }
.center { min-height: 100vh; display: grid; place-items: center; padding: 1.5rem; }
.card { width: 100%; max-width: 400px; }
.card .brand { justify-content: center; margin-bottom: 1.25rem; font-size: 1.15rem; }
.card button[type=submit] { width: 100%; justify-content: center; margin-top: .25rem; }
.danger-zone { border-color: color-mix(in srgb, var(--danger) 40%, var(--line)); }
.empty { padding: 1.5rem; text-align: center; color: var(--muted); }
@media (max-width: 640px) {
  html { font-size: 14px; }
  main { padding: 1rem .75rem 2rem; }
  header.top .bar { padding: .5rem .75rem; gap: .5rem; }
  .who span { display: none; }
  .who { margin-left: auto; }
  nav.main { order: 3; flex: 1 0 100%; flex-wrap: nowrap; overflow-x: auto; }
  .panel { padding: .9rem; }
  th, td { padding: .5rem .55rem; }
  .hide-small { display: none; }
}
`;

/**
 * Asks before destructive actions (forms with \`data-confirm\`, unticking a box with \`data-confirm-untick\`),
 * and opens the plan a link or a redirect points at (\`#plan-3\`).
 */
export const CONSOLE_JS = `"use strict";
function openTarget() {
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target instanceof HTMLDetailsElement) target.open = true;
}
window.addEventListener("hashchange", openTarget);
document.addEventListener("DOMContentLoaded", openTarget);
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const questions = [];
  if (form.dataset.confirm) questions.push(form.dataset.confirm);
  for (const box of form.querySelectorAll("input[type=checkbox][data-confirm-untick]")) {
    if (box.defaultChecked && !box.checked) questions.push(box.dataset.confirmUntick);
  }
  for (const question of questions) {
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
  }
});
`;

/** The console's icon: its logo mark. */
export const CONSOLE_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#4f46e5"/><text x="16" y="21" font-family="system-ui,sans-serif" font-size="14" font-weight="700" fill="#fff" text-anchor="middle">ea</text></svg>`;
