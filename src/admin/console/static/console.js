// @ts-check
// The admin console's one script (served from /admin/static/console.js; the CSP allows no inline code):
// asks before destructive actions (forms with `data-confirm`, unticking a box with `data-confirm-untick`),
// and opens the plan a link or a redirect points at (`#plan-3`).
"use strict";

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
    if (box instanceof HTMLInputElement && box.defaultChecked && !box.checked && box.dataset.confirmUntick) {
      questions.push(box.dataset.confirmUntick);
    }
  }
  for (const question of questions) {
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
  }
});
