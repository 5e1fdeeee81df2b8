import { swaggerUI } from "@hono/swagger-ui";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";

/** Routes are declared without Django's trailing slash (both are served); the document shows it. */
function withDjangoSlashes<T extends { paths?: Record<string, unknown> }>(document: T): T {
  const paths = Object.fromEntries(Object.entries(document.paths ?? {}).map(([path, item]) => [`${path}/`, item]));
  return { ...document, paths };
}

export function mountDocs(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "cookie", {
    type: "apiKey",
    in: "cookie",
    name: "access-token",
  });
  const document = () =>
    withDjangoSlashes(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "edge-accounts",
          version: "1.0.0",
          description: "User accounts, JWT sessions and subscription plans, drop-in compatible with dj-rest-auth.",
        },
      }),
    );
  // Built on first request, once per isolate: the routes do not change while it lives.
  let built: ReturnType<typeof document> | undefined;
  app.get("/schema", (c) => c.json((built ??= document())));
  app.get("/docs", swaggerUI({ url: "/schema/" }));
}
