import { zValidator } from "@hono/zod-validator";
import type { Context } from "hono";
import type { z } from "zod";
import { fieldErrorsFromZod, ValidationError } from "../../errors";
import type { FormProblem } from "./layout";

type Target = "form" | "query" | "param";
/** Validates a form, query or path the way the API does; the page's error handler shows the messages. */
export function valid<T extends z.ZodType>(target: Target, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw new ValidationError(fieldErrorsFromZod(result.error));
  });
}

/**
 * A form post: the form read by `schema`, then `write`. What either refuses (a ValidationError: a bad
 * value, a taken address, a price Stripe does not know) comes back as the form's own page — `page` —
 * with the messages beside the fields and what was typed kept; other errors go to the error pages.
 */
export async function submitForm<T extends z.ZodType>(
  c: Context,
  form: string,
  schema: T,
  page: (problem: FormProblem) => Promise<Response>,
  write: (input: z.output<T>) => Promise<Response>,
): Promise<Response> {
  const body = await c.req.parseBody();
  const values = Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  const parsed = schema.safeParse(values);
  if (!parsed.success) return page({ form, errors: fieldErrorsFromZod(parsed.error), values });
  try {
    return await write(parsed.data);
  } catch (error) {
    // Not swallowed: shown, on the form it is about.
    if (error instanceof ValidationError) return page({ form, errors: error.fields, values });
    throw error;
  }
}
