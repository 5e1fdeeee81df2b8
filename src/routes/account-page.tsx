import type { Context } from "hono";
import { z } from "zod";
import { createRouter, runAfterResponse } from "../app";
import { clientInfo } from "../client-info";
import { requestVars } from "../env";
import { ApiError, CsrfFailed, NonFieldError, NotAuthenticated, TokenInvalid, ValidationError } from "../errors";
import { changePassword, verifyPasswordSignIn } from "../auth/accounts";
import { clearSessionCookies, ensureCsrfCookie, requireCsrf } from "../auth/cookies";
import { requireUser, type SignedInEnv } from "../auth/middleware";
import {
  confirmTotp,
  disableTotp,
  mfaStatus,
  pendingTotpSetup,
  regenerateRecoveryCodes,
  setUpTotp,
} from "../auth/mfa/enrolment";
import { beginSignIn, completeSignIn, pendingSignInMethods } from "../auth/mfa/sign-in-step";
import { passkeysOf, removePasskey, renamePasskeyOf } from "../auth/passkeys";
import { loginAttemptLimiter, loginIpLimit } from "../auth/rate-limit";
import { endAllSessions, endSession, listUserSessions, securityEventPage } from "../auth/sessions";
import { answerSignedIn } from "../auth/sign-in";
import { CONSOLE_CSP, consoleHeaders } from "../admin/console/chrome";
import { errorFields } from "../log";
import { submitForm, valid } from "../admin/console/forms";
import type { FormProblem } from "../admin/console/layout";
import { qrCodeSvg } from "../account-page/qr";
import {
  ACCOUNT_PAGE,
  AccountMessagePage,
  AccountSecondFactorPage,
  AccountSignInPage,
  SecurityPage,
  type AccountChrome,
  type SecurityPageProps,
} from "../account-page/pages";
import { codeSchema, totpSetupSchema } from "../schemas/mfa";
import { passkeyParamsSchema, passkeyRenameSchema } from "../schemas/passkeys";
import ACCOUNT_JS from "../account-page/static/account.js";
import { passwordChangeSchema } from "../schemas/auth";
import { secondFactorFormSchema, signInFormSchema } from "../schemas/console";
import { sessionParamsSchema } from "../schemas/sessions";

/** What a redirect after a form says it did (`?notice=`): fixed texts, so nothing typed is reflected. */
const NOTICES: Record<string, { text: string; tone?: "info" | "error" }> = {
  "password-changed": { text: "Your password is changed; your other sessions were signed out." },
  "mfa-off": { text: "Two-factor authentication is off." },
  "session-ended": { text: "That session is signed out." },
  "signed-out": { text: "You are signed out.", tone: "info" },
  "passkey-added": { text: "Your passkey is added: use it to sign in." },
  "passkey-renamed": { text: "Passkey renamed." },
  "passkey-removed": { text: "Passkey removed." },
};

function accountChrome(c: Context, username?: string): AccountChrome {
  return { csrf: ensureCsrfCookie(c), username, notice: NOTICES[c.req.query("notice") ?? ""] };
}

/** The whole page for the signed-in user, with what a form just produced (a setup, codes, a refusal). */
async function securityPage(
  c: Context<SignedInEnv>,
  extra: Pick<SecurityPageProps, "setup" | "recoveryCodes" | "problem"> = {},
  status: 200 | 400 = 200,
) {
  const { principal } = c.var;
  const [mfa, passkeys, sessions, events, pending] = await Promise.all([
    mfaStatus(c.var, principal.user.id),
    passkeysOf(c.var, principal.user.id),
    listUserSessions(c.var, principal),
    securityEventPage(c.var, principal, { number: 1, size: 20 }),
    extra.setup || extra.recoveryCodes ? undefined : pendingTotpSetup(c.var, principal),
  ]);
  const setup = extra.setup ?? (pending && { ...pending, qrSvg: qrCodeSvg(pending.otpauthUrl) });
  return c.html(
    <SecurityPage
      chrome={accountChrome(c, principal.user.username)}
      mfa={mfa}
      passkeys={passkeys}
      sessions={sessions}
      events={events.rows}
      setup={setup}
      recoveryCodes={extra.recoveryCodes}
      problem={extra.problem}
    />,
    status,
  );
}

/** A refused form of the page comes back as the page, its messages beside that form's fields. */
const pageWith = (c: Context<SignedInEnv>) => (problem: FormProblem) => securityPage(c, { problem }, 400);

/**
 * The account security page (`/account/security/`), rendered by the Worker like the admin console (the
 * same components, stylesheet and CSP): sign in (with the two-factor step), then sessions, password,
 * two-factor and recent security events on one page. Every form calls the functions the API calls.
 */
export const accountPageRoutes = createRouter();

accountPageRoutes.onError((error, c) => {
  const chrome = accountChrome(c);
  c.header("content-security-policy", CONSOLE_CSP);
  c.header("cache-control", "no-store");
  if (error instanceof NotAuthenticated || error instanceof TokenInvalid) {
    if (c.req.method === "GET") return c.html(<AccountSignInPage chrome={chrome} />);
    return c.redirect(ACCOUNT_PAGE, 303);
  }
  if (error instanceof CsrfFailed) {
    const message = "This form was not accepted: it was too old or sent from elsewhere. Reload the page and try again.";
    return c.html(<AccountMessagePage chrome={chrome} title="Form expired" message={message} />, 403);
  }
  if (error instanceof ApiError) {
    const detail = error.body.detail ?? error.body.message;
    const message = typeof detail === "string" ? detail : "That did not work.";
    return c.html(<AccountMessagePage chrome={chrome} title="Not done" message={message} />, error.status);
  }
  requestVars(c).log.error("unhandled error", errorFields(error));
  return c.html(
    <AccountMessagePage chrome={chrome} title="Something went wrong" message="The error is logged. Try again." />,
    500,
  );
});

accountPageRoutes
  .get("/static/account.js", (c) =>
    c.body(ACCOUNT_JS, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=3600",
    }),
  )
  .use(consoleHeaders)
  .get("/security", requireUser, (c) => securityPage(c))
  .post("/security/login", loginIpLimit, valid("form", signInFormSchema), async (c) => {
    await requireCsrf(c);
    const form = c.req.valid("form");
    const credentials = { username: form.username, password: form.password };
    const outcome = await verifyPasswordSignIn(c.var, credentials, clientInfo(c), loginAttemptLimiter(c))
      .then((verified) => beginSignIn(c.var, verified, clientInfo(c)))
      .catch((error: unknown) => {
        if (error instanceof NonFieldError) return error;
        throw error;
      });
    if (outcome instanceof NonFieldError) {
      const message = outcome.fields.non_field_errors?.[0] ?? "Unable to sign in.";
      return c.html(<AccountSignInPage chrome={accountChrome(c)} identifier={form.username} error={message} />, 400);
    }
    if ("secondFactorRequired" in outcome) {
      const { mfaToken, methods } = outcome.secondFactorRequired;
      return c.html(<AccountSecondFactorPage chrome={accountChrome(c)} mfaToken={mfaToken} methods={methods} />);
    }
    answerSignedIn(c, outcome.signedIn);
    return c.redirect(ACCOUNT_PAGE, 303);
  })
  .post("/security/login/mfa", loginIpLimit, valid("form", secondFactorFormSchema), async (c) => {
    await requireCsrf(c);
    const form = c.req.valid("form");
    const signedIn = await completeSignIn(c.var, form, clientInfo(c), loginAttemptLimiter(c)).catch(
      (error: unknown) => {
        if (error instanceof ValidationError) return error;
        throw error;
      },
    );
    if (signedIn instanceof ValidationError) {
      if (signedIn.fields.mfa_token) return c.redirect(ACCOUNT_PAGE, 303);
      const error = signedIn.fields.code?.[0] ?? "Invalid code.";
      const methods = await pendingSignInMethods(c.var, form.mfa_token);
      return c.html(
        <AccountSecondFactorPage chrome={accountChrome(c)} mfaToken={form.mfa_token} methods={methods} error={error} />,
        400,
      );
    }
    answerSignedIn(c, signedIn);
    return c.redirect(ACCOUNT_PAGE, 303);
  })
  .post("/security/logout", requireUser, async (c) => {
    await endSession(c.var, c.var.principal, c.var.principal.sessionId, clientInfo(c));
    clearSessionCookies(c);
    return c.redirect(`${ACCOUNT_PAGE}?notice=signed-out`, 303);
  })
  .post("/security/password", requireUser, (c) =>
    submitForm(c, "password", passwordChangeSchema, pageWith(c), async (input) => {
      await changePassword(c.var, c.var.principal, input, clientInfo(c));
      return c.redirect(`${ACCOUNT_PAGE}?notice=password-changed`, 303);
    }),
  )
  .post("/security/totp/setup", requireUser, (c) =>
    submitForm(c, "setup", totpSetupSchema, pageWith(c), async (input) => {
      const { secret, otpauthUrl } = await setUpTotp(c.var, c.var.principal, input);
      return securityPage(c, { setup: { secret, otpauthUrl, qrSvg: qrCodeSvg(otpauthUrl) } });
    }),
  )
  .post("/security/totp/confirm", requireUser, (c) =>
    submitForm(c, "confirm", codeSchema, pageWith(c), async ({ code }) => {
      const { recoveryCodes, followUp } = await confirmTotp(c.var, c.var.principal, code, clientInfo(c));
      runAfterResponse(c, "two-factor on mail", followUp);
      return securityPage(c, { recoveryCodes });
    }),
  )
  .post("/security/recovery-codes", requireUser, (c) =>
    submitForm(c, "regenerate", codeSchema, pageWith(c), async ({ code }) => {
      const recoveryCodes = await regenerateRecoveryCodes(c.var, c.var.principal, code, clientInfo(c));
      return securityPage(c, { recoveryCodes });
    }),
  )
  .post("/security/totp/disable", requireUser, (c) =>
    submitForm(c, "disable", codeSchema, pageWith(c), async ({ code }) => {
      const { followUp } = await disableTotp(c.var, c.var.principal, code, clientInfo(c));
      runAfterResponse(c, "two-factor off mail", followUp);
      return c.redirect(`${ACCOUNT_PAGE}?notice=mfa-off`, 303);
    }),
  )
  .post("/security/passkeys/:id/rename", requireUser, valid("param", passkeyParamsSchema), (c) => {
    const { id } = c.req.valid("param");
    return submitForm(c, `rename-${id}`, passkeyRenameSchema, pageWith(c), async ({ name }) => {
      await renamePasskeyOf(c.var, c.var.principal.user.id, id, name);
      return c.redirect(`${ACCOUNT_PAGE}?notice=passkey-renamed`, 303);
    });
  })
  .post("/security/passkeys/:id/remove", requireUser, valid("param", passkeyParamsSchema), (c) =>
    submitForm(c, "passkeys", z.object({}), pageWith(c), async () => {
      const { followUp } = await removePasskey(c.var, c.var.principal.user, c.req.valid("param").id, clientInfo(c));
      runAfterResponse(c, "passkey removed mail", followUp);
      return c.redirect(`${ACCOUNT_PAGE}?notice=passkey-removed`, 303);
    }),
  )
  .post("/security/sessions/end-all", requireUser, async (c) => {
    await endAllSessions(c.var, c.var.principal, clientInfo(c));
    clearSessionCookies(c);
    return c.redirect(`${ACCOUNT_PAGE}?notice=signed-out`, 303);
  })
  .post("/security/sessions/:id/end", requireUser, valid("param", sessionParamsSchema), async (c) => {
    const { id } = c.req.valid("param");
    await endSession(c.var, c.var.principal, id, clientInfo(c));
    if (id === c.var.principal.sessionId) {
      clearSessionCookies(c);
      return c.redirect(`${ACCOUNT_PAGE}?notice=signed-out`, 303);
    }
    return c.redirect(`${ACCOUNT_PAGE}?notice=session-ended`, 303);
  });
