import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { NotFound } from "../errors";

/**
 * Routes are declared without Django's trailing slash (both are served); the document shows it — but
 * for a file's name (`/.well-known/jwks.json`), which is spelled as it is.
 */
function withDjangoSlashes<T extends { paths?: Record<string, unknown> }>(document: T): T {
  const slashed = (path: string) => (/\.[a-z]+$/.test(path) ? path : `${path}/`);
  const paths = Object.fromEntries(Object.entries(document.paths ?? {}).map(([path, item]) => [slashed(path), item]));
  return { ...document, paths };
}

/**
 * The docs page runs on the API's own origin, where a script could read the CSRF cookie and make
 * credentialed calls: so it loads nothing but this worker's own files (Swagger UI from the installed
 * `swagger-ui-dist`, served through the ASSETS binding) and its CSP allows nothing else. Swagger UI
 * sets style attributes, hence `'unsafe-inline'` for styles only; no script runs inline.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The files of swagger-ui-dist the page uses; nothing else of the package is reachable. */
const DOCS_ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-accounts API</title>
<link rel="icon" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: "/schema/", dom_id: "#swagger-ui", deepLinking: true });\n`;

function docsResponse(c: Context, body: string | ReadableStream, contentType: string, cache: string) {
  return c.body(body, 200, {
    "content-type": contentType,
    "content-security-policy": DOCS_CSP,
    "cache-control": cache,
  });
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
        tags: [
          {
            name: "admin",
            description:
              "Staff only (`is_staff`): users, plans and operations, for the console at /admin/. Every write is an audit entry.",
          },
        ],
      }),
    );
  // Built on first request, once per isolate: the routes do not change while it lives.
  let built: ReturnType<typeof document> | undefined;
  app.get("/schema", (c) => c.json((built ??= document())));
  app.get("/docs", (c) => docsResponse(c, DOCS_PAGE, "text/html; charset=utf-8", "no-cache"));
  app.get("/docs/init.js", (c) => docsResponse(c, DOCS_INIT, "text/javascript; charset=utf-8", "no-cache"));
  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const type = DOCS_ASSETS[file];
    if (!type) throw new NotFound();
    const asset = await c.env.ASSETS.fetch(new Request(`https://assets.invalid/${file}`));
    if (!asset.ok) throw new NotFound();
    return docsResponse(c, asset.body ?? "", type, "public, max-age=86400");
  });
}
