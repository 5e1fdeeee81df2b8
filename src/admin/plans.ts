import type { Deps } from "../env";
import { Conflict, NotFound, ValidationError } from "../errors";
import { uniqueViolationTarget } from "../db/client";
import { insertAuditEntry, insertAuditEntryIf, previousStatementChanged } from "../db/audit";
import {
  FREE_PLAN_NAME,
  deleteUnusedPlan,
  insertPlan,
  listPlansForStaff,
  planIdNamed,
  replacePlanQuotas,
  selectAllPlans,
  updatePlan,
  type PlanFields,
  type QuotaFields,
  type StaffPlanView,
} from "../db/plans";
import type { PlanRow } from "../db/schema";
import { cachedPrice, NO_PRICE } from "../billing/events";
import { retrievePrice } from "../billing/stripe";
import type { Actor } from "./staff";

const FREE_PLAN_IS_KEPT = `${FREE_PLAN_NAME} is the plan new users start on and lapsed subscriptions fall back to: it cannot be renamed or deleted.`;

/** The Free plan stays: new users start on it and lapsed subscriptions fall back to it, by its name. */
export function isKeptPlan(plan: PlanRow): boolean {
  return plan.name === FREE_PLAN_NAME;
}

export function listPlans({ db }: Deps): Promise<StaffPlanView[]> {
  return listPlansForStaff(db);
}

/** The plans to choose from (a filter, a user's plan): names only, without counting their users. */
export function planChoices({ db }: Deps): Promise<PlanRow[]> {
  return selectAllPlans(db);
}

/** One plan with its quotas and user count. */
export async function planView(deps: Deps, planId: number): Promise<StaffPlanView> {
  const view = (await listPlans(deps)).find((candidate) => candidate.plan.id === planId);
  if (!view) throw new NotFound();
  return view;
}

/** A plan as staff write it; left-out fields stay as they are, and `quotas` (when given) replaces them all. */
export interface PlanEdit {
  name?: string;
  description?: string;
  sortOrder?: number;
  monthlyPriceId?: string | null;
  yearlyPriceId?: string | null;
  quotas?: QuotaFields[];
}

const PRICE_FIELDS = { monthly: "stripe_monthly_price_id", yearly: "stripe_yearly_price_id" } as const;

/**
 * The columns a plan edit writes. A new price id must exist in Stripe; its amount is cached at once (as
 * the `price.*` webhooks keep it), so the plan sells at the right price from the first checkout.
 */
async function planColumns(deps: Deps, edit: PlanEdit, current?: PlanRow): Promise<PlanFields> {
  const columns: PlanFields = {};
  if (edit.name !== undefined) columns.name = edit.name;
  if (edit.description !== undefined) columns.description = edit.description;
  if (edit.sortOrder !== undefined) columns.sortOrder = edit.sortOrder;
  for (const cycle of ["monthly", "yearly"] as const) {
    const priceId = cycle === "monthly" ? edit.monthlyPriceId : edit.yearlyPriceId;
    const currentId = cycle === "monthly" ? current?.monthlyPriceId : current?.yearlyPriceId;
    if (priceId === undefined || (current && priceId === currentId)) continue;
    const cached = priceId === null ? NO_PRICE : await stripePrice(deps, priceId, PRICE_FIELDS[cycle]);
    Object.assign(
      columns,
      cycle === "monthly"
        ? {
            monthlyPriceId: priceId,
            monthlyUnitAmount: cached.unitAmount,
            monthlyCurrency: cached.currency,
            monthlyInterval: cached.interval,
          }
        : {
            yearlyPriceId: priceId,
            yearlyUnitAmount: cached.unitAmount,
            yearlyCurrency: cached.currency,
            yearlyInterval: cached.interval,
          },
    );
  }
  return columns;
}

async function stripePrice(deps: Deps, priceId: string, field: string) {
  try {
    return cachedPrice(await retrievePrice(deps.stripe, priceId));
  } catch (error) {
    if (error instanceof NotFound) throw new ValidationError({ [field]: [`No such price in Stripe: ${priceId}.`] });
    throw error;
  }
}

const UNIQUE_FIELDS: Record<string, string> = {
  "plans.name": "name",
  "plans.stripe_monthly_price_id": PRICE_FIELDS.monthly,
  "plans.stripe_yearly_price_id": PRICE_FIELDS.yearly,
  "plan_quotas.plan_id": "quotas",
};

/** A unique violation as DRF words it ("plan with this name already exists."). */
async function withPlanFieldErrors<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const field = UNIQUE_FIELDS[uniqueViolationTarget(error) ?? ""];
    if (!field) throw error;
    const message =
      field === "quotas"
        ? "Each scope may be listed once."
        : `plan with this ${field.replaceAll("_", " ")} already exists.`;
    throw new ValidationError({ [field]: [message] });
  }
}

/** A plan's fields as the audit log records them (snake_case, as the API names them). */
function auditedPlan(plan: PlanFields, quotas?: QuotaFields[]) {
  const fields: Record<string, unknown> = {
    name: plan.name,
    description: plan.description,
    sort_order: plan.sortOrder,
    stripe_monthly_price_id: plan.monthlyPriceId,
    stripe_yearly_price_id: plan.yearlyPriceId,
    quotas: quotas?.map((q) => ({ scope: q.scope, limit: q.limit, window_seconds: q.windowSeconds })),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** The columns whose value differs from the plan's now. */
function changedColumns(columns: PlanFields, plan: PlanRow): PlanFields {
  return Object.fromEntries(Object.entries(columns).filter(([key, value]) => plan[key as keyof PlanRow] !== value));
}

const quotaKey = (quotas: QuotaFields[]) =>
  JSON.stringify(
    [...quotas].sort((a, b) => a.scope.localeCompare(b.scope)).map((q) => [q.scope, q.limit, q.windowSeconds]),
  );

export async function createPlan(deps: Deps, actor: Actor, edit: PlanEdit & { name: string }): Promise<PlanRow> {
  const { db, clock } = deps;
  const columns = { ...(await planColumns(deps, edit)), name: edit.name };
  const planId = planIdNamed(edit.name);
  const entry = {
    actor,
    action: "plan.created",
    target: { type: "plan", id: planId },
    after: auditedPlan(columns, edit.quotas),
  } as const;
  const [[plan]] = await withPlanFieldErrors(() =>
    db.batch([
      insertPlan(db, columns),
      ...replacePlanQuotas(db, planId, edit.quotas ?? []),
      insertAuditEntry(db, entry, clock.now()),
    ]),
  );
  if (!plan) throw new Error("the inserted plan was not returned");
  return plan;
}

/** Applies the fields that change, and the quotas if they change, with an entry of only those. */
export async function editPlan(deps: Deps, actor: Actor, planId: number, edit: PlanEdit): Promise<void> {
  const { db, clock } = deps;
  const current = await planView(deps, planId);
  if (isKeptPlan(current.plan) && edit.name !== undefined && edit.name !== FREE_PLAN_NAME) {
    throw new ValidationError({ name: [FREE_PLAN_IS_KEPT] });
  }
  const columns = changedColumns(await planColumns(deps, edit, current.plan), current.plan);
  const quotasBefore = current.quotas.map(({ scope, limit, windowSeconds }) => ({ scope, limit, windowSeconds }));
  const quotas = edit.quotas && quotaKey(edit.quotas) !== quotaKey(quotasBefore) ? edit.quotas : undefined;
  if (Object.keys(columns).length === 0 && !quotas) return;
  const before = Object.fromEntries(Object.keys(columns).map((key) => [key, current.plan[key as keyof PlanRow]]));
  const entry = {
    actor,
    action: "plan.updated",
    target: { type: "plan", id: planId },
    before: auditedPlan(before, quotas && quotasBefore),
    after: auditedPlan(columns, quotas),
  } as const;
  await withPlanFieldErrors(() =>
    db.batch([
      insertAuditEntry(db, entry, clock.now()),
      ...(Object.keys(columns).length > 0 ? [updatePlan(db, planId, columns)] : []),
      ...(quotas ? replacePlanQuotas(db, planId, quotas) : []),
    ]),
  );
}

/** Deletes a plan no user is on; the entry is written only if the delete happened (same batch, guarded). */
export async function deletePlan(deps: Deps, actor: Actor, planId: number): Promise<void> {
  const { db, clock } = deps;
  const current = await planView(deps, planId);
  if (isKeptPlan(current.plan)) throw new Conflict(FREE_PLAN_IS_KEPT);
  if (current.users > 0) {
    throw new Conflict(`${current.users} user(s) are on this plan: move them to another plan first.`);
  }
  const entry = {
    actor,
    action: "plan.deleted",
    target: { type: "plan", id: planId },
    before: { name: current.plan.name },
  } as const;
  const [deleted] = await db.batch([
    deleteUnusedPlan(db, planId),
    insertAuditEntryIf(db, entry, clock.now(), previousStatementChanged),
  ]);
  if (deleted.length === 0)
    throw new Conflict("A user moved onto this plan meanwhile: move them to another plan first.");
}
