import type { Context } from "hono";
import { createRouter, runAfterResponse } from "../app";
import { clientInfo } from "../client-info";
import { NonFieldError, ValidationError } from "../errors";
import { clearSessionCookies, requireCsrf } from "../auth/cookies";
import { answerSignedIn } from "../auth/sign-in";
import { requireUser, type SignedInEnv } from "../auth/middleware";
import { loginAttemptLimiter, loginIpLimit } from "../auth/rate-limit";
import { endSession } from "../auth/sessions";
import { actorOf, signInStaff, staffOnly } from "../admin/staff";
import {
  deleteUser,
  editUser,
  endSessionsOf,
  removePasskeyOf,
  resetSecondFactorsOf,
  searchUsers,
  unlinkSocialAccountOf,
  sendPasswordResetTo,
  userDetail,
  auditPage,
} from "../admin/users";
import { createPlan, deletePlan, editPlan, listPlans, planChoices } from "../admin/plans";
import { outboxPage, resendMessage, stripeEventPage } from "../admin/operations";
import { CONSOLE_CSS, CONSOLE_ICON, CONSOLE_JS } from "../admin/console/assets";
import { chrome, consoleHeaders, renderConsoleError, safeNext } from "../admin/console/chrome";
import type { FormProblem } from "../admin/console/layout";
import { submitForm, valid } from "../admin/console/forms";
import { SecondFactorPage, SignInPage } from "../admin/console/sign-in";
import { completeSignIn, pendingSignInMethods } from "../auth/mfa/sign-in-step";
import { UsersPage } from "../admin/console/users";
import { UserPage } from "../admin/console/user";
import { PlansPage } from "../admin/console/plans";
import { AuditLogPage, OperationsPage } from "../admin/console/operations";
import {
  idParamsSchema,
  passkeyOfUserParamsSchema,
  planEditOf,
  socialAccountOfUserParamsSchema,
  staffEditOf,
  userSearchOf,
} from "../schemas/admin";
import {
  consoleUserQuerySchema,
  deleteFormSchema,
  operationsQuerySchema,
  OPERATIONS_PAGE_SIZE,
  planCreateFormSchema,
  planUpdateFormSchema,
  secondFactorFormSchema,
  signInFormSchema,
  userFormSchema,
} from "../schemas/console";
import { pageQuerySchema, requestedPage } from "../schemas/pages";

/** A staff page: the console's headers, then signed in as staff (the account re-read on every request). */
const staffPage = [consoleHeaders, ...staffOnly] as const;

const idParam = valid("param", idParamsSchema);

/** The plans page again, with a refused plan form's messages. */
function plansPage(c: Context<SignedInEnv>) {
  return async (problem: FormProblem) =>
    c.html(<PlansPage chrome={chrome(c, "plans")} plans={await listPlans(c.var)} problem={problem} />, 400);
}

function staticFile(body: string, type: string) {
  return (c: Context) => c.body(body, 200, { "content-type": type, "cache-control": "public, max-age=3600" });
}

/** The admin console at /admin/: server-rendered pages over the admin functions the API uses. */
export const consoleRoutes = createRouter();
consoleRoutes.onError(renderConsoleError);

consoleRoutes
  .get("/static/console.css", staticFile(CONSOLE_CSS, "text/css; charset=utf-8"))
  .get("/static/console.js", staticFile(CONSOLE_JS, "text/javascript; charset=utf-8"))
  .get("/static/favicon.svg", staticFile(CONSOLE_ICON, "image/svg+xml"))
  .get("/", (c) => c.redirect("/admin/users", 303))
  .get("/login", consoleHeaders, (c) => c.html(<SignInPage chrome={chrome(c)} next={safeNext(c.req.query("next"))} />))
  .post("/login", consoleHeaders, loginIpLimit, valid("form", signInFormSchema), async (c) => {
    await requireCsrf(c);
    const form = c.req.valid("form");
    const credentials = { username: form.username, password: form.password };
    const signedIn = await signInStaff(c.var, credentials, clientInfo(c), loginAttemptLimiter(c)).catch(
      (error: unknown) => {
        if (error instanceof NonFieldError) return error;
        throw error;
      },
    );
    if (signedIn instanceof NonFieldError) {
      const message = signedIn.fields.non_field_errors?.[0] ?? "Unable to sign in.";
      return c.html(
        <SignInPage chrome={chrome(c)} next={safeNext(form.next)} identifier={form.username} error={message} />,
        400,
      );
    }
    if ("secondFactorRequired" in signedIn) {
      const { mfaToken, methods } = signedIn.secondFactorRequired;
      return c.html(
        <SecondFactorPage chrome={chrome(c)} mfaToken={mfaToken} methods={methods} next={safeNext(form.next)} />,
      );
    }
    answerSignedIn(c, signedIn.signedIn);
    return c.redirect(safeNext(form.next), 303);
  })
  .post("/login/mfa", consoleHeaders, loginIpLimit, valid("form", secondFactorFormSchema), async (c) => {
    await requireCsrf(c);
    const form = c.req.valid("form");
    const next = safeNext(form.next);
    const signedIn = await completeSignIn(c.var, form, clientInfo(c), loginAttemptLimiter(c)).catch(
      (error: unknown) => {
        // Shown on the step itself: a wrong code keeps the pending sign-in; a dead one starts over.
        if (error instanceof ValidationError) return error;
        throw error;
      },
    );
    if (signedIn instanceof ValidationError) {
      if (signedIn.fields.mfa_token) return c.redirect(`/admin/login?next=${encodeURIComponent(next)}`, 303);
      const error = signedIn.fields.code?.[0] ?? "Invalid code.";
      const methods = await pendingSignInMethods(c.var, form.mfa_token);
      return c.html(
        <SecondFactorPage chrome={chrome(c)} mfaToken={form.mfa_token} methods={methods} next={next} error={error} />,
        400,
      );
    }
    answerSignedIn(c, signedIn);
    return c.redirect(next, 303);
  })
  .post("/logout", consoleHeaders, requireUser, async (c) => {
    await endSession(c.var, c.var.principal, c.var.principal.sessionId, clientInfo(c));
    clearSessionCookies(c);
    return c.redirect("/admin/login", 303);
  })
  .get("/users", ...staffPage, valid("query", consoleUserQuerySchema), async (c) => {
    const query = c.req.valid("query");
    const [page, plans] = await Promise.all([
      searchUsers(c.var, userSearchOf(query), requestedPage(query)),
      planChoices(c.var),
    ]);
    const filters = {
      search: query.search ?? "",
      plan: query.plan === undefined ? "" : String(query.plan),
      is_active: query.is_active === undefined ? "" : String(query.is_active),
      is_staff: query.is_staff === undefined ? "" : String(query.is_staff),
      subscription_status: query.subscription_status ?? "",
      ordering: query.ordering ?? "",
    };
    return c.html(<UsersPage chrome={chrome(c, "users")} filters={filters} plans={plans} page={page} />);
  })
  .get("/users/:id", ...staffPage, idParam, async (c) => {
    const [detail, plans] = await Promise.all([userDetail(c.var, c.req.valid("param").id), planChoices(c.var)]);
    return c.html(<UserPage chrome={chrome(c, "users")} detail={detail} plans={plans} />);
  })
  .post("/users/:id", ...staffPage, idParam, async (c) => {
    const { id } = c.req.valid("param");
    const userPage = async (problem: FormProblem) => {
      const [detail, plans] = await Promise.all([userDetail(c.var, id), planChoices(c.var)]);
      return c.html(<UserPage chrome={chrome(c, "users")} detail={detail} plans={plans} problem={problem} />, 400);
    };
    return submitForm(c, "account", userFormSchema, userPage, async (input) => {
      const { changed, followUp } = await editUser(c.var, actorOf(c.var.principal), id, staffEditOf(input));
      if (followUp) runAfterResponse(c, "e-mail change notice", followUp);
      return c.redirect(`/admin/users/${id}?notice=${changed.length > 0 ? "saved" : "unchanged"}`, 303);
    });
  })
  .post("/users/:id/end-sessions", ...staffPage, idParam, async (c) => {
    const { id } = c.req.valid("param");
    await endSessionsOf(c.var, actorOf(c.var.principal), id);
    return c.redirect(`/admin/users/${id}?notice=sessions-ended`, 303);
  })
  .post(
    "/users/:id/social-accounts/:account/unlink",
    ...staffPage,
    valid("param", socialAccountOfUserParamsSchema),
    async (c) => {
      const { id, account } = c.req.valid("param");
      await unlinkSocialAccountOf(c.var, actorOf(c.var.principal), id, account, clientInfo(c));
      return c.redirect(`/admin/users/${id}?notice=unlinked`, 303);
    },
  )
  .post("/users/:id/passkeys/:passkey/remove", ...staffPage, valid("param", passkeyOfUserParamsSchema), async (c) => {
    const { id, passkey } = c.req.valid("param");
    const { followUp } = await removePasskeyOf(c.var, actorOf(c.var.principal), id, passkey, clientInfo(c));
    runAfterResponse(c, "passkey removed mail", followUp);
    return c.redirect(`/admin/users/${id}?notice=passkey-removed`, 303);
  })
  .post("/users/:id/mfa-reset", ...staffPage, idParam, async (c) => {
    const { id } = c.req.valid("param");
    const { followUp } = await resetSecondFactorsOf(c.var, actorOf(c.var.principal), id, clientInfo(c));
    runAfterResponse(c, "two-factor reset mail", followUp);
    return c.redirect(`/admin/users/${id}?notice=mfa-reset`, 303);
  })
  .post("/users/:id/password-reset", ...staffPage, idParam, async (c) => {
    const { id } = c.req.valid("param");
    await sendPasswordResetTo(c.var, actorOf(c.var.principal), id, clientInfo(c));
    return c.redirect(`/admin/users/${id}?notice=reset-sent`, 303);
  })
  .post("/users/:id/delete", ...staffPage, idParam, valid("form", deleteFormSchema), async (c) => {
    const cancel = c.req.valid("form").cancel_subscription ?? false;
    await deleteUser(c.var, actorOf(c.var.principal), c.req.valid("param").id, cancel);
    return c.redirect("/admin/users?notice=deleted", 303);
  })
  .get("/plans", ...staffPage, async (c) =>
    c.html(<PlansPage chrome={chrome(c, "plans")} plans={await listPlans(c.var)} />),
  )
  .post("/plans", ...staffPage, async (c) =>
    submitForm(c, "new", planCreateFormSchema, plansPage(c), async (input) => {
      const plan = await createPlan(c.var, actorOf(c.var.principal), { ...planEditOf(input), name: input.name });
      return c.redirect(`/admin/plans?notice=plan-added#plan-${plan.id}`, 303);
    }),
  )
  .post("/plans/:id", ...staffPage, idParam, async (c) => {
    const { id } = c.req.valid("param");
    return submitForm(c, `p${id}`, planUpdateFormSchema, plansPage(c), async (input) => {
      await editPlan(c.var, actorOf(c.var.principal), id, planEditOf(input));
      return c.redirect(`/admin/plans?notice=plan-saved#plan-${id}`, 303);
    });
  })
  .post("/plans/:id/delete", ...staffPage, idParam, async (c) => {
    await deletePlan(c.var, actorOf(c.var.principal), c.req.valid("param").id);
    return c.redirect("/admin/plans?notice=plan-deleted", 303);
  })
  .get("/operations", ...staffPage, valid("query", operationsQuerySchema), async (c) => {
    const { events_page = 1, outbox_page = 1 } = c.req.valid("query");
    const [events, outbox] = await Promise.all([
      stripeEventPage(c.var, { number: events_page, size: OPERATIONS_PAGE_SIZE }),
      outboxPage(c.var, undefined, { number: outbox_page, size: OPERATIONS_PAGE_SIZE }),
    ]);
    return c.html(<OperationsPage chrome={chrome(c, "operations")} events={events} outbox={outbox} />);
  })
  .post("/outbox/:id/resend", ...staffPage, idParam, async (c) => {
    const outcome = await resendMessage(c.var, actorOf(c.var.principal), c.req.valid("param").id);
    return c.redirect(`/admin/operations?notice=${outcome}`, 303);
  })
  .get("/audit-log", ...staffPage, valid("query", pageQuerySchema), async (c) => {
    const page = await auditPage(c.var, requestedPage(c.req.valid("query")));
    return c.html(<AuditLogPage chrome={chrome(c, "audit")} page={page} />);
  });
