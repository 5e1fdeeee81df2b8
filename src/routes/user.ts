import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { updateProfile } from "../auth/accounts";
import { signedInOnly } from "../auth/middleware";
import { errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";
import { serializeUser, userPatchSchema, userPutSchema, userSchema } from "../schemas/user";

const common = {
  path: "/user",
  tags: ["auth"],
  middleware: signedInOnly,
  security: signedInSecurity,
};

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
    async (c) => c.json(serializeUser(await updateProfile(c.var, c.var.principal, c.req.valid("json"))), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "patch",
      operationId: "updateUser",
      request: { body: jsonBody(userPatchSchema) },
      responses: { 200: json(userSchema, "The updated user"), ...errorResponses },
    }),
    async (c) => c.json(serializeUser(await updateProfile(c.var, c.var.principal, c.req.valid("json"))), 200),
  );
