import { createRoute } from "@hono/zod-openapi";
import { deleteOwnAccount, exportOwnAccount, type DeletionProof } from "../accounts/self-service";
import { clearAllCookies } from "../auth/cookies";
import type { Context } from "hono";
import { createRouter, runAfterResponse } from "../app";
import { clientInfo } from "../client-info";
import { updateProfile } from "../auth/accounts";
import { signedInOnly, type SignedInEnv } from "../auth/middleware";
import { identifierChangeLimiter } from "../auth/rate-limit";
import type { UserUpdate } from "../schemas/user";
import {
  accountDeletionSchema,
  accountExportSchema,
  exportFileName,
  serializeAccountExport,
} from "../schemas/account-export";
import { detailSchema, errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";
import { serializeUser, userPatchSchema, userPutSchema, userSchema } from "../schemas/user";

const common = {
  path: "/user",
  tags: ["auth"],
  middleware: signedInOnly,
  security: signedInSecurity,
};

/** PUT and PATCH: the edit, then (after answering) the mail an e-mail change calls for. */
async function editProfile(c: Context<SignedInEnv>, input: UserUpdate) {
  const { account, followUp } = await updateProfile(
    c.var,
    c.var.principal,
    input,
    clientInfo(c),
    identifierChangeLimiter(c),
  );
  if (followUp) runAfterResponse(c, "e-mail change mail", followUp);
  return c.json(serializeUser(account), 200);
}

/** Both spellings of a deletion: the account goes, and nothing of it stays in the browser. */
async function deleteSelf(c: Context<SignedInEnv>, proof: DeletionProof) {
  const { lastMail } = await deleteOwnAccount(c.var, c.var.principal, proof);
  runAfterResponse(c, "account deleted mail", lastMail);
  clearAllCookies(c);
}

const deletionResponses = {
  400: json(errorResponses[400].content["application/json"].schema, "Wrong or missing password (or confirmation)"),
  401: errorResponses[401],
  403: errorResponses[403],
  409: json(detailSchema, "The last active staff account"),
  502: json(detailSchema, "Stripe did not cancel the subscription: nothing was deleted"),
} as const;

export const userRoutes = createRouter()
  .openapi(
    createRoute({
      ...common,
      method: "get",
      operationId: "getUser",
      responses: { 200: json(userSchema, "The signed-in user"), 401: errorResponses[401] },
    }),
    (c) => c.json(serializeUser(c.var.principal), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "put",
      operationId: "replaceUser",
      request: { body: jsonBody(userPutSchema) },
      responses: { 200: json(userSchema, "The updated user"), ...errorResponses },
    }),
    (c) => editProfile(c, c.req.valid("json")),
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      operationId: "updateUser",
      request: { body: jsonBody(userPatchSchema) },
      responses: { 200: json(userSchema, "The updated user"), ...errorResponses },
    }),
    (c) => editProfile(c, c.req.valid("json")),
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/user/export",
      operationId: "exportUser",
      summary: "Everything held on the account, as a JSON download (a few an hour)",
      responses: {
        200: json(accountExportSchema, "The export, with `Content-Disposition: attachment`"),
        401: errorResponses[401],
        429: errorResponses[429],
      },
    }),
    async (c) => {
      const data = await exportOwnAccount(c.var, c.var.principal, clientInfo(c));
      return c.json(serializeAccountExport(data, c.var.principal.sessionId), 200, {
        "content-disposition": exportFileName(data.user.username, data.exportedAt),
        "cache-control": "no-store",
      });
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/user/delete",
      operationId: "deleteUser",
      summary: "Delete the account (re-authenticated); a live Stripe subscription is cancelled first",
      request: { body: jsonBody(accountDeletionSchema) },
      responses: { 200: json(detailSchema, "Deleted; the cookies are cleared"), ...deletionResponses },
    }),
    async (c) => {
      await deleteSelf(c, c.req.valid("json"));
      return c.json({ detail: "Account deleted." }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "delete",
      operationId: "destroyUser",
      summary: "Delete the account, as POST /auth/user/delete/ (answers 204)",
      request: { body: jsonBody(accountDeletionSchema) },
      responses: { 204: { description: "Deleted; the cookies are cleared" }, ...deletionResponses },
    }),
    async (c) => {
      await deleteSelf(c, c.req.valid("json"));
      return c.body(null, 204);
    },
  );
