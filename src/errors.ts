import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

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

export class ServiceUnavailable extends ApiError {
  constructor(detail: string) {
    super(503, { detail });
  }
}

/** DRF keys errors by field; issues about the body as a whole go to `non_field_errors`. */
export function fieldErrorsFromZod(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : "non_field_errors";
    const messages = (fields[key] ??= []);
    if (!messages.includes(issue.message)) messages.push(issue.message);
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
  console.error(
    JSON.stringify({
      level: "error",
      requestId: c.get("requestId") as string | undefined,
      method: c.req.method,
      path: c.req.path,
      error: err.name,
      message: err.message,
      stack: err.stack,
    }),
  );
  return c.json({ detail: "A server error occurred." }, 500);
}
