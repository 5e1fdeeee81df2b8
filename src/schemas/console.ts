import { z } from "@hono/zod-openapi";
import {
  adminUserUpdateSchema,
  deleteUserQuerySchema,
  planCreateSchema,
  planUpdateSchema,
  userListQuerySchema,
} from "./admin";
import { integer, password, text } from "./fields";

/**
 * The console's HTML forms, read into the admin API's own schemas: a form posts strings (an empty field
 * for "none", a ticked box as `on`, an unticked one not at all), so each form is first turned into the
 * API's JSON shape and then validated by exactly the rules the API applies.
 */
type FormBody = Record<string, unknown>;

const present = (form: FormBody, field: string) => form[field] !== undefined;
const emptyAsNull = (value: unknown) => (value === "" ? null : value);

/** The users page's query: an empty filter is no filter. */
export const consoleUserQuerySchema = z.preprocess(
  (query) => Object.fromEntries(Object.entries(query as FormBody).filter(([, value]) => value !== "")),
  userListQuerySchema,
);

export const signInFormSchema = z.object({
  username: text(254),
  password: password(),
  next: z.string().optional(),
});

export const secondFactorFormSchema = z.object({
  mfa_token: text(128),
  code: text(32),
  next: z.string().optional(),
});

/** The user form posts every field; an unticked box means false. */
export const userFormSchema = z.preprocess((form) => {
  const f = form as FormBody;
  return {
    first_name: f.first_name,
    last_name: f.last_name,
    email: f.email,
    date_of_birth: emptyAsNull(f.date_of_birth),
    plan: f.plan,
    is_active: present(f, "is_active"),
    is_staff: present(f, "is_staff"),
  };
}, adminUserUpdateSchema);

export const deleteFormSchema = z.preprocess(
  (form) => ({ cancel_subscription: present(form as FormBody, "cancel_subscription") ? "true" : "false" }),
  deleteUserQuerySchema,
);

/**
 * `limit.<scope>` and `window.<scope>` pairs (an empty limit means the plan does not limit that scope),
 * plus the form's one row for a scope no plan has yet (`new_scope`, `new_limit`, `new_window`).
 */
function quotasOf(form: FormBody) {
  const quotas = Object.entries(form)
    .filter(([key, value]) => key.startsWith("limit.") && value !== "")
    .map(([key, limit]) => {
      const scope = key.slice("limit.".length);
      return { scope, limit, window_seconds: form[`window.${scope}`] };
    });
  const scope = typeof form.new_scope === "string" ? form.new_scope.trim() : "";
  if (scope !== "") quotas.push({ scope, limit: form.new_limit, window_seconds: form.new_window });
  return quotas;
}

function planFromForm(form: unknown) {
  const f = form as FormBody;
  return {
    name: f.name,
    description: f.description,
    sort_order: f.sort_order,
    stripe_monthly_price_id: emptyAsNull(f.stripe_monthly_price_id),
    stripe_yearly_price_id: emptyAsNull(f.stripe_yearly_price_id),
    quotas: quotasOf(f),
  };
}

export const planCreateFormSchema = z.preprocess(planFromForm, planCreateSchema);
export const planUpdateFormSchema = z.preprocess(planFromForm, planUpdateSchema);

export const OPERATIONS_PAGE_SIZE = 25;

const pageNumber = integer().pipe(z.number().min(1, "Invalid page."));

/** The operations page pages its two lists apart. */
export const operationsQuerySchema = z.object({
  events_page: pageNumber.optional(),
  outbox_page: pageNumber.optional(),
});
