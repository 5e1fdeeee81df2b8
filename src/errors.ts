import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { createLogger, errorFields, type Logger } from "./log";
// zod speaks DRF wherever a schema is parsed: the locale is installed when this module loads.
import "./schemas/drf-messages";

export type ErrorBody = Record<string, unknown>;
export type FieldErrors = Record<string, string[]>;

/** An HTTP error whose JSON body is already in the shape DRF clients parse. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message: typeof body.detail === "string" ? body.detail : `HTTP ${status}` });
  }
}

export class ValidationError extends ApiError {
  constructor(readonly fields: FieldErrors) {
    super(400, fields);
  }
}

export class NonFieldError extends ValidationError {
  constructor(message: string) {
    super({ non_field_errors: [message] });
  }
}

export class ParseError extends ApiError {
  constructor(reason: string) {
    super(400, { detail: `JSON parse error - ${reason}` });
  }
}

const WWW_AUTHENTICATE = { "WWW-Authenticate": 'Bearer realm="api"' };

export class NotAuthenticated extends ApiError {
  constructor(detail = "Authentication credentials were not provided.") {
    super(401, { detail }, WWW_AUTHENTICATE);
  }
}

export class TokenInvalid extends ApiError {
  constructor(detail = "Given token not valid for any token type") {
    super(401, { detail, code: "token_not_valid" }, WWW_AUTHENTICATE);
  }
}

export class CsrfFailed extends ApiError {
  constructor(reason: string) {
    super(403, { detail: `CSRF Failed: ${reason}` });
  }
}

/** Signed in, but not allowed: DRF's PermissionDenied (the admin API for an account that is not staff). */
export class PermissionDenied extends ApiError {
  constructor(detail = "You do not have permission to perform this action.") {
    super(403, { detail });
  }
}

export class NotFound extends ApiError {
  constructor() {
    super(404, { detail: "Not found." });
  }
}

export class MethodNotAllowed extends ApiError {
  constructor(method: string, allowed: string[]) {
    super(405, { detail: `Method "${method}" not allowed.` }, { Allow: allowed.join(", ") });
  }
}

export class PayloadTooLarge extends ApiError {
  constructor() {
    super(413, { detail: "Request body is too large." });
  }
}

export class UnsupportedMediaType extends ApiError {
  constructor(contentType: string) {
    super(415, { detail: `Unsupported media type "${contentType}" in request.` });
  }
}

export class Conflict extends ApiError {
  constructor(detail: string) {
    super(409, { detail });
  }
}

/** The Workers Rate Limiting binding refused the request; the body is the Django service's. */
export class TooManyRequests extends ApiError {
  constructor(retryAfter: number) {
    super(
      429,
      {
        error: "rate_limit_exceeded",
        message: `Too many requests. Try again in ${retryAfter} seconds.`,
        retry_after: retryAfter,
      },
      { "Retry-After": String(retryAfter) },
    );
  }
}

/** A plan quota is spent: the Django service's body, which suggests the plan to move to. */
export class QuotaExceeded extends ApiError {
  constructor(
    upgradeSuggestion: { recommended_plan: string; upgrade_url: string } | null,
    headers: Record<string, string>,
  ) {
    super(
      429,
      {
        error: "rate_limit_exceeded",
        message: "Too many requests. Please try again later.",
        upgrade_suggestion: upgradeSuggestion,
      },
      headers,
    );
  }
}

export class ServiceUnavailable extends ApiError {
  constructor(detail: string) {
    super(503, { detail });
  }
}

/** Stripe did not answer (or answered an error we cannot pass on): nothing of ours changed. */
export class PaymentProviderError extends ApiError {
  constructor(action: string) {
    super(502, { detail: `The payment provider did not answer: could not ${action}. Please try again.` });
  }
}

/** A Google token (or code) that Google or our checks refuse: dj-rest-auth's answer. */
export class SocialTokenRefused extends NonFieldError {
  constructor() {
    super("Incorrect value");
  }
}

/** Google did not answer (or answered an error that is not about the token): nothing of ours changed. */
export class SocialProviderUnavailable extends ApiError {
  constructor() {
    super(502, { detail: "Google did not answer." });
  }
}

/** A webhook that is not a correctly signed Stripe event: 400, so Stripe shows it failed and nothing applies. */
export class InvalidWebhook extends ApiError {
  constructor(detail: string) {
    super(400, { detail });
  }
}

/** The billing portal needs a Stripe customer; the old service answered this `{"error": …}`, not `detail`. */
export class NoStripeCustomer extends ApiError {
  constructor() {
    super(400, { error: "No Stripe customer ID found." });
  }
}

export class CheckoutIncomplete extends ApiError {
  constructor() {
    super(400, { detail: "The checkout session is not complete." });
  }
}

/** DRF keys errors by field; issues about the body as a whole go to `non_field_errors`. */
export function fieldErrorsFromZod(error: Pick<z.core.$ZodError, "issues">): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const [field, ...within] = issue.path;
    const key = field === undefined ? "non_field_errors" : String(field);
    // A field's errors are a flat list: a nested value's problem says where in the field it is.
    const message = within.length > 0 ? `${within.join(".")}: ${issue.message}` : issue.message;
    const messages = (fields[key] ??= []);
    if (!messages.includes(message)) messages.push(message);
  }
  return fields;
}

/** The one place an error becomes a response. Internal details are logged, never sent. */
export function renderError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(err.body, err.status, err.headers);
  if (err instanceof HTTPException) {
    if (err.status === 415) return renderError(new UnsupportedMediaType(c.req.header("content-type") ?? ""), c);
    // Hono's validators refuse unparsable JSON this way; clients expect DRF's parse error.
    if (err.status === 400 && err.message.startsWith("Malformed JSON"))
      return renderError(new ParseError(err.message), c);
    return c.json({ detail: err.message }, err.status);
  }
  // Before the context middleware ran (a bad configuration) there is no request logger yet.
  const log = (c.get("log") as Logger | undefined) ?? createLogger(() => ({ method: c.req.method, path: c.req.path }));
  log.error("unhandled error", errorFields(err));
  return c.json({ detail: "A server error occurred." }, 500);
}
