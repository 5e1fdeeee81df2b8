import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { NotFound } from "../errors";
import { clearSessionCookies } from "../auth/cookies";
import { clientInfo, principalOf, requireUser } from "../auth/middleware";
import { insertSecurityEvent, listSecurityEvents } from "../db/security-events";
import { listLiveSessions, revokeAllSessions, revokeSession } from "../db/sessions";
import { detailSchema, errorResponses, json, signedInSecurity } from "../schemas/common";
import { pageQuerySchema, securityEventPageSchema, sessionParamsSchema, sessionSchema } from "../schemas/sessions";

const common = { tags: ["sessions"], middleware: [requireUser], security: signedInSecurity };
const DEFAULT_PAGE_SIZE = 20;

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
    async (c) => {
      const principal = principalOf(c);
      const rows = await listLiveSessions(c.var.db, principal.user.id, new Date());
      return c.json(
        rows.map((s) => ({
          id: s.id,
          created: s.createdAt.toISOString(),
          last_used: s.lastUsedAt.toISOString(),
          user_agent: s.userAgent,
          ip: s.ip,
          current: s.id === principal.sessionId,
        })),
        200,
      );
    },
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
      const { user, sessionId } = principalOf(c);
      const { id } = c.req.valid("param");
      if (!(await revokeSession(c.var.db, { id, userId: user.id }, "revoked_by_user", new Date())))
        throw new NotFound();
      await insertSecurityEvent(c.var.db, { userId: user.id, type: "session_revoked", client: clientInfo(c) }).run();
      if (id === sessionId) clearSessionCookies(c);
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
      const { user } = principalOf(c);
      const now = new Date();
      await c.var.db.batch([
        revokeAllSessions(c.var.db, user.id, "logout_all", now),
        insertSecurityEvent(c.var.db, { userId: user.id, type: "session_revoked", client: clientInfo(c) }, now),
      ]);
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
      const { user } = principalOf(c);
      const { page = 1, page_size: size = DEFAULT_PAGE_SIZE } = c.req.valid("query");
      const { rows, total } = await listSecurityEvents(c.var.db, user.id, { offset: (page - 1) * size, limit: size });
      if (page > 1 && rows.length === 0) throw new NotFound();
      const pageUrl = (n: number) => {
        const url = new URL(c.req.url);
        url.searchParams.set("page", String(n));
        return url.href;
      };
      return c.json(
        {
          count: total,
          next: page * size < total ? pageUrl(page + 1) : null,
          previous: page > 1 ? pageUrl(page - 1) : null,
          results: rows.map((e) => ({
            id: e.id,
            type: e.type,
            created: e.createdAt.toISOString(),
            ip: e.ip,
            user_agent: e.userAgent,
          })),
        },
        200,
      );
    },
  );
