import { createRoute } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { createRouter } from "../app";
import type { AppEnv } from "../env";
import { json } from "../schemas/common";
import { jwksSchema, serializeJwks } from "../schemas/keys";

/**
 * How long verifiers may cache the key set. A retired key must stay published for the access-token
 * lifetime plus this (see the README's rotation steps).
 */
export const JWKS_MAX_AGE_SECONDS = 300;

/** The key set is public: any origin may read it, without credentials (not the API's credentialed CORS). */
const publicCors = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.res.headers.set("access-control-allow-origin", "*");
  c.res.headers.delete("access-control-allow-credentials");
  c.res.headers.delete("vary");
});

export const wellKnownRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/jwks.json",
    operationId: "jwks",
    tags: ["auth"],
    summary: "The public keys that verify access tokens (JWKS)",
    middleware: [publicCors],
    responses: { 200: json(jwksSchema, `The key set; \`Cache-Control: public, max-age=${JWKS_MAX_AGE_SECONDS}\``) },
  }),
  (c) =>
    c.json(serializeJwks(c.var.config.signingKeys), 200, {
      "cache-control": `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
    }),
);
