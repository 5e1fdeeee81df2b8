import { z } from "@hono/zod-openapi";
import { newEmailProblems } from "../auth/email-rules";
import { missingValueMessage, pythonTypeName } from "./drf-messages";

/** DRF's messages for a missing or null value, and `invalid` for a value of the wrong type. */
function typeError(invalid: string) {
  return (issue: { code?: string; input?: unknown }) => {
    if (issue.code !== "invalid_type") return undefined;
    return missingValueMessage(issue.input) ?? invalid;
  };
}

const DATE_FORMAT = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";

/** A JSON body object; anything else (a list, a string…) is DRF's "Expected a dictionary" error. */
export function body<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape, {
    error: (issue) => {
      if (issue.code !== "invalid_type") return undefined;
      return `Invalid data. Expected a dictionary, but got ${pythonTypeName(issue.input)}.`;
    },
  });
}

/** DRF's IntegerField: a JSON integer, or a string of digits. */
export function integer() {
  return z.preprocess(
    (value) => (typeof value === "string" && /^\s*-?\d{1,15}\s*$/.test(value) ? Number(value) : value),
    z.number({ error: typeError("A valid integer is required.") }).int("A valid integer is required."),
  );
}

/** A trimmed, non-blank string of at most `max` characters, as DRF's CharField. */
export function text(max?: number) {
  const base = z.string().trim();
  // `abort`: like DRF, a blank or over-long value gets that one message, not the format's as well.
  const nonBlank = base.min(1, { error: "This field may not be blank.", abort: true });
  return max === undefined
    ? nonBlank
    : nonBlank.max(max, { error: `Ensure this field has no more than ${max} characters.`, abort: true });
}

/** A string that may be blank (first and last names). */
export function optionalText(max: number) {
  return z.string().trim().max(max, `Ensure this field has no more than ${max} characters.`);
}

/** A string that may be left out, taken as sent. */
export function optionalString() {
  return z.string().optional();
}

/** Passwords are taken exactly as typed: never trimmed. */
export function password() {
  return z.string().min(1, "This field may not be blank.");
}

export function email() {
  return z
    .string()
    .trim()
    .toLowerCase()
    .min(1, "This field may not be blank.")
    .max(254, "Ensure this field has no more than 254 characters.")
    .pipe(z.email({ error: "Enter a valid email address." }))
    .openapi({ format: "email" });
}

/** Django's UnicodeUsernameValidator, at most 150 characters, NFKC-normalised as Django's `clean()` does. */
export function username() {
  return text(150)
    .overwrite((value) => value.normalize("NFKC"))
    .regex(
      /^[\p{L}\p{M}\p{N}_.@+-]+$/u,
      "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
    );
}

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
export function date() {
  return z
    .string({ error: typeError(DATE_FORMAT) })
    .regex(/^\d{4}-\d{2}-\d{2}$/, DATE_FORMAT)
    .refine((value) => {
      const parsed = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
    }, DATE_FORMAT)
    .openapi({ format: "date", example: "1990-12-10" });
}

/** An address for a new account: also refuses disposable mailboxes and suggests fixes for typos. */
export function newEmail() {
  return email().superRefine((value, ctx) => {
    for (const message of newEmailProblems(value)) ctx.addIssue({ code: "custom", message });
  });
}
