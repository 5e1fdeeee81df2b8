import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, runAfterResponse } from "../app";
import { clientInfo } from "../client-info";
import { actorOf, staffOnly } from "../admin/staff";
import {
  auditPage,
  deleteUser,
  editUser,
  endSessionsOf,
  removePasskeyOf,
  resetSecondFactorsOf,
  searchUsers,
  unlinkSocialAccountOf,
  sendPasswordResetTo,
  userAuditPage,
  userDetail,
} from "../admin/users";
import { createPlan, deletePlan, editPlan, listPlans, planView } from "../admin/plans";
import { outboxPage, resendMessage, stripeEventPage } from "../admin/operations";
import { detailSchema, errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";
import { serializeSocialAccount, socialAccountSchema } from "../schemas/social";
import { pageQuerySchema, requestedPage, serializePage } from "../schemas/pages";
import {
  adminPlanSchema,
  adminUserPageSchema,
  adminUserSchema,
  adminUserUpdateSchema,
  auditPageSchema,
  deleteUserQuerySchema,
  idParamsSchema,
  outboxPageSchema,
  outboxQuerySchema,
  passkeyOfUserParamsSchema,
  planCreateSchema,
  planEditOf,
  planUpdateSchema,
  serializeAdminPlan,
  serializeAdminUser,
  serializeAuditEntry,
  serializeOutboxMessage,
  serializeStripeEvent,
  serializeUserSummary,
  socialAccountOfUserParamsSchema,
  staffEditOf,
  stripeEventPageSchema,
  userListQuerySchema,
  userSearchOf,
} from "../schemas/admin";

const common = { tags: ["admin"], middleware: staffOnly, security: signedInSecurity };
const staffErrors = {
  401: errorResponses[401],
  403: json(detailSchema, "Not staff, or a CSRF check failed"),
} as const;
const notFound = { 404: json(detailSchema, "No such object (or a page past the last)") } as const;
const conflict = (description: string) => ({ 409: json(detailSchema, description) }) as const;

/** The staff-only admin API, under /admin/api: the console's pages call the same functions. */
export const adminApiRoutes = createRouter()
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/users",
      operationId: "adminListUsers",
      summary: "Users: search (username or e-mail prefix), filters, ordering, DRF pagination — one D1 query",
      request: { query: userListQuerySchema },
      responses: {
        200: json(adminUserPageSchema, "A page of users"),
        400: errorResponses[400],
        ...staffErrors,
        ...notFound,
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const page = await searchUsers(c.var, userSearchOf(query), requestedPage(query));
      return c.json(serializePage(page, c.req.url, serializeUserSummary), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/users/{id}",
      operationId: "adminGetUser",
      request: { params: idParamsSchema },
      responses: {
        200: json(adminUserSchema, "The user, with usage, sessions, events and audit log"),
        ...staffErrors,
        ...notFound,
      },
    }),
    async (c) => c.json(serializeAdminUser(await userDetail(c.var, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      path: "/users/{id}",
      operationId: "adminUpdateUser",
      summary: "Edit profile fields, set the plan by hand, activate/deactivate, grant/revoke staff",
      request: { params: idParamsSchema, body: jsonBody(adminUserUpdateSchema) },
      responses: {
        200: json(adminUserSchema, "The user as it is now"),
        400: errorResponses[400],
        ...staffErrors,
        ...notFound,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { followUp } = await editUser(c.var, actorOf(c.var.principal), id, staffEditOf(c.req.valid("json")));
      if (followUp) runAfterResponse(c, "e-mail change notice", followUp);
      return c.json(serializeAdminUser(await userDetail(c.var, id)), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/users/{id}",
      operationId: "adminDeleteUser",
      summary: "Delete the account and its personal data",
      request: { params: idParamsSchema, query: deleteUserQuerySchema },
      responses: {
        204: { description: "Deleted" },
        400: errorResponses[400],
        ...staffErrors,
        ...notFound,
        ...conflict("A Stripe subscription still bills: pass cancel_subscription=true"),
        502: json(detailSchema, "Stripe did not cancel the subscription: nothing was deleted"),
      },
    }),
    async (c) => {
      const cancel = c.req.valid("query").cancel_subscription ?? false;
      await deleteUser(c.var, actorOf(c.var.principal), c.req.valid("param").id, cancel);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/users/{id}/end-sessions",
      operationId: "adminEndSessions",
      request: { params: idParamsSchema },
      responses: { 200: json(detailSchema, "Every session of the user is ended"), ...staffErrors, ...notFound },
    }),
    async (c) => {
      const ended = await endSessionsOf(c.var, actorOf(c.var.principal), c.req.valid("param").id);
      return c.json({ detail: `Ended ${ended} session(s).` }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/users/{id}/social-accounts/{account}/disconnect",
      operationId: "adminUnlinkSocialAccount",
      summary: "Unlink one of a user's social accounts (audited); never the last way to sign in",
      request: { params: socialAccountOfUserParamsSchema },
      responses: {
        200: json(socialAccountSchema, "The removed link"),
        400: errorResponses[400],
        ...staffErrors,
        ...notFound,
      },
    }),
    async (c) => {
      const { id, account } = c.req.valid("param");
      const removed = await unlinkSocialAccountOf(c.var, actorOf(c.var.principal), id, account, clientInfo(c));
      return c.json(serializeSocialAccount(removed), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/users/{id}/passkeys/{passkey}",
      operationId: "adminRemovePasskey",
      summary: "Remove one of a user's passkeys (audited, the user mailed); never the last way to sign in",
      request: { params: passkeyOfUserParamsSchema },
      responses: { 200: json(detailSchema, "Removed"), 400: errorResponses[400], ...staffErrors, ...notFound },
    }),
    async (c) => {
      const { id, passkey } = c.req.valid("param");
      const { followUp } = await removePasskeyOf(c.var, actorOf(c.var.principal), id, passkey, clientInfo(c));
      runAfterResponse(c, "passkey removed mail", followUp);
      return c.json({ detail: "Passkey removed." }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/users/{id}/mfa-reset",
      operationId: "adminResetMfa",
      summary: "Turn a user's two-factor authentication off (lost authenticator): audited, the user is mailed",
      request: { params: idParamsSchema },
      responses: {
        200: json(detailSchema, "Two-factor authentication is off for the user"),
        ...staffErrors,
        ...notFound,
        ...conflict("The user has no two-factor authentication"),
      },
    }),
    async (c) => {
      const { followUp } = await resetSecondFactorsOf(
        c.var,
        actorOf(c.var.principal),
        c.req.valid("param").id,
        clientInfo(c),
      );
      runAfterResponse(c, "two-factor reset mail", followUp);
      return c.json({ detail: "Two-factor authentication is off for this user." }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/users/{id}/password-reset",
      operationId: "adminSendPasswordReset",
      request: { params: idParamsSchema },
      responses: {
        200: json(detailSchema, "A reset link was mailed to the user"),
        ...staffErrors,
        ...notFound,
        ...conflict("The account is deactivated"),
      },
    }),
    async (c) => {
      const actor = actorOf(c.var.principal);
      const to = await sendPasswordResetTo(c.var, actor, c.req.valid("param").id, clientInfo(c));
      return c.json({ detail: `Password reset e-mail has been sent to ${to}.` }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/users/{id}/audit-log",
      operationId: "adminUserAuditLog",
      request: { params: idParamsSchema, query: pageQuerySchema },
      responses: {
        200: json(auditPageSchema, "Audit entries about this user, newest first"),
        400: errorResponses[400],
        ...staffErrors,
        ...notFound,
      },
    }),
    async (c) => {
      const page = await userAuditPage(c.var, c.req.valid("param").id, requestedPage(c.req.valid("query")));
      return c.json(serializePage(page, c.req.url, serializeAuditEntry), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/audit-log",
      operationId: "adminAuditLog",
      request: { query: pageQuerySchema },
      responses: {
        200: json(auditPageSchema, "Every admin write, newest first"),
        400: errorResponses[400],
        ...staffErrors,
        ...notFound,
      },
    }),
    async (c) => {
      const page = await auditPage(c.var, requestedPage(c.req.valid("query")));
      return c.json(serializePage(page, c.req.url, serializeAuditEntry), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/plans",
      operationId: "adminListPlans",
      responses: { 200: json(z.array(adminPlanSchema), "Every plan with its quotas and user count"), ...staffErrors },
    }),
    async (c) => c.json((await listPlans(c.var)).map(serializeAdminPlan), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/plans",
      operationId: "adminCreatePlan",
      request: { body: jsonBody(planCreateSchema) },
      responses: {
        201: json(adminPlanSchema, "The new plan"),
        400: errorResponses[400],
        ...staffErrors,
        502: json(detailSchema, "Stripe did not answer about a price id"),
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const plan = await createPlan(c.var, actorOf(c.var.principal), { ...planEditOf(input), name: input.name });
      return c.json(serializeAdminPlan(await planView(c.var, plan.id)), 201);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      path: "/plans/{id}",
      operationId: "adminUpdatePlan",
      request: { params: idParamsSchema, body: jsonBody(planUpdateSchema) },
      responses: {
        200: json(adminPlanSchema, "The plan as it is now"),
        400: errorResponses[400],
        ...staffErrors,
        ...notFound,
        502: json(detailSchema, "Stripe did not answer about a price id"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await editPlan(c.var, actorOf(c.var.principal), id, planEditOf(c.req.valid("json")));
      return c.json(serializeAdminPlan(await planView(c.var, id)), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/plans/{id}",
      operationId: "adminDeletePlan",
      request: { params: idParamsSchema },
      responses: {
        204: { description: "Deleted" },
        ...staffErrors,
        ...notFound,
        ...conflict("Users are on this plan"),
      },
    }),
    async (c) => {
      await deletePlan(c.var, actorOf(c.var.principal), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/stripe-events",
      operationId: "adminStripeEvents",
      request: { query: pageQuerySchema },
      responses: {
        200: json(stripeEventPageSchema, "Stripe events received, newest first, with their outcome"),
        400: errorResponses[400],
        ...staffErrors,
        ...notFound,
      },
    }),
    async (c) => {
      const page = await stripeEventPage(c.var, requestedPage(c.req.valid("query")));
      return c.json(serializePage(page, c.req.url, serializeStripeEvent), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/outbox",
      operationId: "adminOutbox",
      request: { query: outboxQuerySchema },
      responses: {
        200: json(outboxPageSchema, "Mail, newest first (bodies are never shown)"),
        400: errorResponses[400],
        ...staffErrors,
        ...notFound,
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const page = await outboxPage(c.var, query.status, requestedPage(query));
      return c.json(serializePage(page, c.req.url, serializeOutboxMessage), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/outbox/{id}/resend",
      operationId: "adminResendMail",
      request: { params: idParamsSchema },
      responses: {
        200: json(z.object({ status: z.enum(["sent", "failed"]) }), "Sent again: whether it went this time"),
        ...staffErrors,
        ...notFound,
        ...conflict("Only a failed message can be re-sent"),
      },
    }),
    async (c) => {
      const status = await resendMessage(c.var, actorOf(c.var.principal), c.req.valid("param").id);
      return c.json({ status }, 200);
    },
  );
