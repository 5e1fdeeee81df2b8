/**
 * The console's stylesheet and script (real files under static/, bundled as text), served by the Worker
 * from /admin/static/ (no build step, no CDN): the CSP allows scripts and styles from this origin only,
 * so no inline code runs at all.
 */
export { default as CONSOLE_CSS } from "./static/console.css";
export { default as CONSOLE_JS } from "./static/console.js";

/** The console's icon: its logo mark. */
export const CONSOLE_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#4f46e5"/><text x="16" y="21" font-family="system-ui,sans-serif" font-size="14" font-weight="700" fill="#fff" text-anchor="middle">ea</text></svg>`;
