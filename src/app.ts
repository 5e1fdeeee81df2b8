import { OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { readConfig, type AppEnv, type Config } from "./env";
import { createDb } from "./db/client";
import {
  fieldErrorsFromZod,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  renderError,
  ValidationError,
} from "./errors";

export const MAX_BODY_BYTES = 64 * 1024;
/** Stripe's events can be larger than any client's body (an invoice with many lines); refusing one would
 * have Stripe retry it until it disables the endpoint. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;
export const STRIPE_WEBHOOK_PATH = "/core/payments/webhook/stripe";

const tooLarge = () => {
  throw new PayloadTooLarge();
};
const clientBodyLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
const webhookBodyLimit = bodyLimit({ maxSize: MAX_WEBHOOK_BYTES, onError: tooLarge });
const limitBodySize = createMiddleware<AppEnv>((c, next) =>
  (c.req.path === STRIPE_WEBHOOK_PATH ? webhookBodyLimit : clientBodyLimit)(c, next),
);

/** Every router is made here, so none misses the hook that renders validation errors DRF's way. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new ValidationError(fieldErrorsFromZod(result.error));
    },
  });
}

export const BOOKMARK_HEADER = "x-d1-bookmark";
/** D1's bookmark format; anything else a client sends is ignored rather than handed to D1. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/i;

/**
 * Config, and a D1 session for the request (D1's Sessions API). A request that only reads may be served
 * by any read replica; one that writes starts at the primary. The answer carries the session's bookmark,
 * and a request that sends it back reads at least that fresh — its own writes included.
 */
const withContext = createMiddleware<AppEnv>(async (c, next) => {
  c.set("config", readConfig(c.env));
  const readsOnly = c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS";
  const sent = c.req.header(BOOKMARK_HEADER);
  const session = c.env.DB.withSession(
    sent && BOOKMARK.test(sent) ? sent : readsOnly ? "first-unconstrained" : "first-primary",
  );
  c.set("db", createDb(session));
  await next();
  const bookmark = session.getBookmark();
  if (bookmark) c.header(BOOKMARK_HEADER, bookmark);
});

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * An empty JSON body counts as `{}`, as in DRF, so cookie-only calls (refresh, logout) need no body.
 * Malformed JSON is refused by the validators (see `renderError`); the raw text stays readable for the
 * webhook, which must verify the signature before anything parses it.
 */
const emptyJsonBodyAsObject = createMiddleware<AppEnv>(async (c, next) => {
  const mediaType = c.req.header("content-type")?.split(";")[0]?.trim() ?? "";
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && JSON_MEDIA_TYPE.test(mediaType)) {
    const text = await c.req.text();
    if (text.trim() === "") {
      // The validators read the body through Hono's cache, which holds promises (its type says string).
      (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve("{}");
    }
  }
  await next();
});

export function createApp(mount: (app: ReturnType<typeof createRouter>) => void) {
  const app = createRouter();
  app.use(requestId());
  app.use(withContext);
  app.use(
    cors({
      origin: (origin, c) => ((c.get("config") as Config).corsAllowedOrigins.includes(origin) ? origin : null),
      credentials: true,
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: ["content-type", "x-csrftoken", "authorization", BOOKMARK_HEADER],
      exposeHeaders: [BOOKMARK_HEADER],
      maxAge: 86_400,
    }),
  );
  app.use(secureHeaders());
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, allowed) => {
        throw new MethodNotAllowed(c.req.method, allowed);
      },
    }),
  );
  app.use(limitBodySize);
  app.use(emptyJsonBodyAsObject);
  mount(app);
  // Rendered, not thrown: a thrown 404 would hide the route from the 405 check above.
  app.notFound((c) => renderError(new NotFound(), c));
  app.onError(renderError);
  return app;
}

/** Django's paths end in `/`; both spellings are served by routes declared without it. */
export function withoutTrailingSlash(request: Request): Request {
  const url = new URL(request.url);
  if (url.pathname.length <= 1 || !url.pathname.endsWith("/")) return request;
  url.pathname = url.pathname.replace(/\/+$/, "");
  return new Request(url, request);
}
