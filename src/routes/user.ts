import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createRouter, runAfterResponse } from "../app";
import { clientInfo } from "../client-info";
import { updateProfile } from "../auth/accounts";
import { signedInOnly, type SignedInEnv } from "../auth/middleware";
import { identifierChangeLimiter } from "../auth/rate-limit";
import type { UserUpdate } from "../schemas/user";
import { errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";
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
  );
