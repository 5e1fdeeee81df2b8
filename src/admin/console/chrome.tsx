import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { requestVars, type AppEnv } from "../../env";
import { errorFields } from "../../log";
import { ApiError, CsrfFailed, NotAuthenticated, PermissionDenied, TokenInvalid, ValidationError } from "../../errors";
import { ensureCsrfCookie } from "../../auth/cookies";
import type { Principal } from "../../auth/principal";
import type { Chrome, ConsoleArea } from "./layout";
import { MessagePage } from "./sign-in";

/**
 * Only this origin's own stylesheet and script, no inline code of any kind, no framing, forms posting
 * only here. Pages hold personal data: never cached.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const consoleHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  setConsoleHeaders(c);
});

function setConsoleHeaders(c: Context) {
  c.header("content-security-policy", CONSOLE_CSP);
  c.header("cache-control", "no-store");
}

/** What a redirect after a form says it did (`?notice=`): fixed texts, so nothing typed is reflected. */
const NOTICES: Record<string, { text: string; tone?: "info" | "error" }> = {
  saved: { text: "Saved." },
  unchanged: { text: "Nothing to change.", tone: "info" },
  "sessions-ended": { text: "Every session of this user has ended." },
  "reset-sent": { text: "A password-reset link is on its way to the user." },
  unlinked: { text: "The linked account is unlinked." },
  "passkey-removed": { text: "The passkey is removed; the user was told by mail." },
  "mfa-reset": { text: "Two-factor authentication is off for this user; they were told by mail." },
  deleted: { text: "The user and their personal data are deleted." },
  "plan-saved": { text: "Plan saved." },
  "plan-added": { text: "Plan added." },
  "plan-deleted": { text: "Plan deleted." },
  sent: { text: "The message was sent again." },
  failed: { text: "The message failed again: see its error.", tone: "error" },
};

export function chrome(c: Context, section?: ConsoleArea): Chrome {
  // Set on signed-in pages only (the sign-in page and its errors have no principal).
  const principal = (c.var as { principal?: Principal }).principal;
  const notice = NOTICES[c.req.query("notice") ?? ""];
  return { csrf: ensureCsrfCookie(c), staff: principal?.user, section, notice };
}

/** Where a sign-in may send the browser back to: a console path, never another site. */
export function safeNext(next: string | undefined): string {
  return next && /^\/admin\/[\w\-/?=&%.]*$/.test(next) && !next.startsWith("//") ? next : "/admin/users";
}

/** The page a refused form came from (same origin only; a `Referer` that is no URL: the users page), for the "Back" link. */
function backLink(c: Context): string {
  const referer = c.req.header("referer");
  if (!referer || !URL.canParse(referer)) return "/admin/users";
  const url = new URL(referer);
  return url.origin === new URL(c.req.url).origin && url.pathname.startsWith("/admin/")
    ? `${url.pathname}${url.search}`
    : "/admin/users";
}

const STATUS_TITLES: Record<number, string> = {
  400: "That did not work",
  403: "Not allowed",
  404: "Not found",
  409: "Not done",
  429: "Too many attempts",
  502: "Stripe did not answer",
  503: "Not configured",
};

/** The console's one error renderer: the API's error classes, shown as pages people can act on. */
export function renderConsoleError(error: Error, c: Context) {
  if (error instanceof NotAuthenticated || error instanceof TokenInvalid) {
    const next = c.req.method === "GET" ? `?next=${encodeURIComponent(c.req.path)}` : "";
    return c.redirect(`/admin/login${next}`, 303);
  }
  const page = chrome(c);
  setConsoleHeaders(c);
  if (error instanceof PermissionDenied) {
    const notStaff = { ...page, staff: undefined };
    return c.html(
      <MessagePage
        chrome={notStaff}
        title="Not authorised"
        message={`${error.message} Only staff accounts can use the admin console.`}
        signOut
      />,
      403,
    );
  }
  if (error instanceof CsrfFailed) {
    const message = "This form was not accepted: it was too old or sent from elsewhere. Reload the page and try again.";
    return c.html(<MessagePage chrome={page} title="Form expired" message={message} back={backLink(c)} />, 403);
  }
  if (error instanceof ValidationError) {
    const details = Object.entries(error.fields).flatMap(([field, messages]) =>
      messages.map((m) => (field === "non_field_errors" ? m : `${field.replaceAll("_", " ")}: ${m}`)),
    );
    return c.html(
      <MessagePage
        chrome={page}
        title={STATUS_TITLES[400] ?? ""}
        message="Nothing was changed."
        details={details}
        back={backLink(c)}
      />,
      400,
    );
  }
  if (error instanceof ApiError) {
    const detail =
      typeof error.body.detail === "string"
        ? error.body.detail
        : typeof error.body.message === "string"
          ? error.body.message
          : "";
    const title = STATUS_TITLES[error.status] ?? "Not done";
    return c.html(<MessagePage chrome={page} title={title} message={detail} back={backLink(c)} />, error.status);
  }
  // Through errorFields, as the API logs: a database error's message carries the query parameters.
  requestVars(c).log.error("unhandled error", errorFields(error));
  return c.html(
    <MessagePage
      chrome={page}
      title="Something went wrong"
      message="The error is logged. Nothing may have changed: check, then try again."
      back={backLink(c)}
    />,
    500,
  );
}
