import { OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { Context } from "hono";
import { systemClock, type Clock } from "./clock";
import { buildDeps } from "./deps";
import { readConfig, requestVars, type AppEnv } from "./env";
import { createDb } from "./db/client";
import { createLogger, errorFields } from "./log";
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

/**
 * Every router is made here, so none misses the hook that renders validation errors DRF's way. Routes
 * are declared without Django's trailing slash; `strict: false` serves both spellings.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw new ValidationError(fieldErrorsFromZod(result.error));
    },
  });
}

export const BOOKMARK_HEADER = "x-d1-bookmark";
/** D1's bookmark format; anything else a client sends is ignored rather than handed to D1. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/i;

const READ_ONLY_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * What every handler reads from `c.var`: the request's `Deps` — config, clock, a logger carrying the
 * request id, a D1 session for the request (D1's Sessions API) and the clients built on them. A
 * request that only reads may be served by any read replica; one that writes starts at the primary. The answer carries the session's bookmark, and a
 * request that sends it back reads at least that fresh — its own writes included.
 */
function requestContext(clock: Clock) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const config = readConfig(c.env);
    const log = createLogger(() => ({ requestId: c.var.requestId, method: c.req.method, route: c.req.routePath }));
    const sent = c.req.header(BOOKMARK_HEADER);
    const readsOnly = READ_ONLY_METHODS.has(c.req.method);
    const session = c.env.DB.withSession(
      sent && BOOKMARK.test(sent) ? sent : readsOnly ? "first-unconstrained" : "first-primary",
    );
    const deps = buildDeps(c.env, { db: createDb(session), config, clock, log });
    c.set("db", deps.db);
    c.set("config", deps.config);
    c.set("clock", deps.clock);
    c.set("log", deps.log);
    c.set("mailer", deps.mailer);
    c.set("stripe", deps.stripe);
    c.set("google", deps.google);
    c.set("usage", deps.usage);
    c.set("tokens", deps.tokens);
    await next();
    const bookmark = session.getBookmark();
    if (bookmark) c.header(BOOKMARK_HEADER, bookmark);
  });
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
/** Longer than any body that could be only white space we would accept as empty. */
const SHORT_BODY_BYTES = 16;

/**
 * An empty JSON body counts as `{}`, as in DRF, so cookie-only calls (refresh, logout) need no body.
 * The request is replaced by one carrying `{}` (as Hono's own body limit replaces it); the body is
 * read only when it is short, and from a copy, so the webhook's raw text stays untouched.
 */
const emptyJsonBodyAsObject = createMiddleware<AppEnv>(async (c, next) => {
  const raw = c.req.raw;
  const mediaType = raw.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
  if (!READ_ONLY_METHODS.has(c.req.method) && JSON_MEDIA_TYPE.test(mediaType) && (await isBlank(raw))) {
    const headers = new Headers(raw.headers);
    headers.delete("content-length");
    c.req.raw = new Request(raw, { body: "{}", headers });
  }
  await next();
});

async function isBlank(request: Request): Promise<boolean> {
  const length = request.headers.get("content-length");
  if (!request.body || length === "0") return true;
  if (length !== null && Number(length) > SHORT_BODY_BYTES) return false;
  return (await request.clone().text()).trim() === "";
}

export function createApp(mount: (app: ReturnType<typeof createRouter>) => void, clock: Clock = systemClock) {
  const app = createRouter();
  app.use(requestId());
  app.use(requestContext(clock));
  app.use(
    cors({
      origin: (origin, c: Context<AppEnv>) => (c.var.config.corsAllowedOrigins.includes(origin) ? origin : null),
      credentials: true,
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: ["content-type", "x-csrftoken", "authorization", BOOKMARK_HEADER],
      exposeHeaders: [BOOKMARK_HEADER],
      maxAge: 86_400,
    }),
  );
  // `same-origin`, not Hono's `no-referrer`: under that, Chromium posts the console's forms with
  // `Origin: null`, which the CSRF origin check (rightly) refuses. Other sites still get no referrer.
  app.use(secureHeaders({ referrerPolicy: "same-origin" }));
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

/** Work that must not delay (or shape) the answer. A failure is logged: there is no request left to fail. */
export function runAfterResponse(c: Context, label: string, work: Promise<unknown>) {
  c.executionCtx.waitUntil(
    work.catch((error: unknown) => requestVars(c).log.error(`${label} failed`, errorFields(error))),
  );
}
