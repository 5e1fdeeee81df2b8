import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { clientInfo } from "../client-info";
import { clearSessionCookies } from "../auth/cookies";
import { signedInOnly } from "../auth/middleware";
import { endAllSessions, endSession, listUserSessions, securityEventPage } from "../auth/sessions";
import { detailSchema, errorResponses, json, signedInSecurity } from "../schemas/common";
import { pageQuerySchema, requestedPage, serializePage } from "../schemas/pages";
import {
  securityEventPageSchema,
  serializeSecurityEvent,
  serializeSessions,
  sessionParamsSchema,
  sessionSchema,
} from "../schemas/sessions";

const common = { tags: ["sessions"], middleware: signedInOnly, security: signedInSecurity };

export const sessionRoutes = createRouter()
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/sessions",
      operationId: "listSessions",
      responses: {
        200: json(z.array(sessionSchema), "The caller's active logins, most recently used first"),
        401: errorResponses[401],
      },
    }),
    async (c) => c.json(serializeSessions(await listUserSessions(c.var, c.var.principal)), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/sessions/{id}",
      operationId: "revokeSession",
      request: { params: sessionParamsSchema },
      responses: {
        200: json(detailSchema, "The session is ended: its refresh and access tokens stop working"),
        401: errorResponses[401],
        403: errorResponses[403],
        404: json(detailSchema, "No such live session of the caller"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await endSession(c.var, c.var.principal, id, clientInfo(c));
      if (id === c.var.principal.sessionId) clearSessionCookies(c);
      return c.json({ detail: "Session revoked." }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/logout/all",
      operationId: "logoutAll",
      responses: {
        200: json(detailSchema, "Every session of the caller is ended and the cookies cleared"),
        401: errorResponses[401],
        403: errorResponses[403],
      },
    }),
    async (c) => {
      await endAllSessions(c.var, c.var.principal, clientInfo(c));
      clearSessionCookies(c);
      return c.json({ detail: "Successfully logged out of all sessions." }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/security-events",
      operationId: "listSecurityEvents",
      request: { query: pageQuerySchema },
      responses: {
        200: json(securityEventPageSchema, "The caller's security events, newest first (DRF page-number pagination)"),
        400: errorResponses[400],
        401: errorResponses[401],
        404: json(detailSchema, "A page past the last"),
      },
    }),
    async (c) => {
      const events = await securityEventPage(c.var, c.var.principal, requestedPage(c.req.valid("query")));
      return c.json(serializePage(events, c.req.url, serializeSecurityEvent), 200);
    },
  );
