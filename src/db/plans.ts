import { and, count, eq, exists, isNotNull, notExists, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { planQuotas, plans, sessions, users, type PlanRow } from "./schema";
import { sessionIsLive } from "./sessions";

/**
 * The plan every new user starts on and a lapsed subscription falls back to, found by its name: it can
 * be edited (price, quotas) but not renamed or deleted.
 */
export const FREE_PLAN_NAME = "Free";

export interface PlanListing {
  plans: PlanRow[];
  /** The caller's plan, when a caller was named and is still signed in. */
  callerPlanId: number | null;
  /** False when a caller was named but its session or account is no longer live. */
  callerLive: boolean;
}

/**
 * Every plan in display order, plus what the caller needs to mark its own plan — one query, whose
 * subqueries check the caller's session the way the auth middleware does.
 */
export async function listPlansForCaller(
  db: Database,
  caller: { userId: number; sessionId: string } | undefined,
  now: Date,
): Promise<PlanListing> {
  let callerPlanId = sql<number | null>`null`;
  let callerLive = sql<number>`1`;
  if (caller) {
    const liveSession = db
      .select({ one: sql`1` })
      .from(sessions)
      .where(and(eq(sessions.id, caller.sessionId), eq(sessions.userId, users.id), sessionIsLive(now)));
    const liveCaller = and(eq(users.id, caller.userId), exists(liveSession));
    callerPlanId = sql<number | null>`${db.select({ planId: users.planId }).from(users).where(liveCaller)}`;
    callerLive = sql<number>`${exists(
      db
        .select({ one: sql`1` })
        .from(users)
        .where(liveCaller),
    )}`;
  }
  const rows = await db
    .select({ plan: plans, callerPlanId, callerLive })
    .from(plans)
    .orderBy(plans.sortOrder, plans.name)
    .all();
  return {
    plans: rows.map((row) => row.plan),
    callerPlanId: rows[0]?.callerPlanId ?? null,
    callerLive: rows.length === 0 || Boolean(rows[0]?.callerLive),
  };
}

/** The id of the plan with this name, as a subquery (for a plan inserted earlier in the same batch). */
export function planIdNamed(name: string): SQL {
  return sql`(select ${plans.id} from ${plans} where ${plans.name} = ${name})`;
}

export function selectPlanById(db: Database, planId: number) {
  return db.select().from(plans).where(eq(plans.id, planId));
}

export function selectPlanByName(db: Database, name: string) {
  return db.select().from(plans).where(eq(plans.name, name));
}

export function selectPlanByPriceId(db: Database, priceId: string) {
  return db
    .select()
    .from(plans)
    .where(or(eq(plans.monthlyPriceId, priceId), eq(plans.yearlyPriceId, priceId)));
}

export interface CachedPrice {
  unitAmount: number | null;
  currency: string | null;
  interval: string | null;
}

/** Refreshes the cached amount wherever a plan sells this price (monthly or yearly column). */
export function updateCachedPrice(db: Database, priceId: string, price: CachedPrice) {
  return [
    db
      .update(plans)
      .set({ monthlyUnitAmount: price.unitAmount, monthlyCurrency: price.currency, monthlyInterval: price.interval })
      .where(eq(plans.monthlyPriceId, priceId)),
    db
      .update(plans)
      .set({ yearlyUnitAmount: price.unitAmount, yearlyCurrency: price.currency, yearlyInterval: price.interval })
      .where(eq(plans.yearlyPriceId, priceId)),
  ] as const;
}

/** Every plan in display order. */
export function selectAllPlans(db: Database) {
  return db.select().from(plans).orderBy(plans.sortOrder, plans.name);
}

/** Every plan in display order, with its quotas and how many users are on it: the admin's plan list. */
export async function listPlansForStaff(db: Database) {
  const [rows, quotas, counts] = await db.batch([
    selectAllPlans(db),
    db.select().from(planQuotas).orderBy(planQuotas.scope),
    db
      .select({ planId: users.planId, users: count() })
      .from(users)
      .where(isNotNull(users.planId))
      .groupBy(users.planId),
  ]);
  return rows.map((plan) => ({
    plan,
    quotas: quotas.filter((q) => q.planId === plan.id),
    users: counts.find((c) => c.planId === plan.id)?.users ?? 0,
  }));
}

export type StaffPlanView = Awaited<ReturnType<typeof listPlansForStaff>>[number];

export type PlanFields = Partial<Omit<typeof plans.$inferInsert, "id">>;

export interface QuotaFields {
  scope: string;
  limit: number;
  windowSeconds: number;
}

export function insertPlan(db: Database, fields: PlanFields & { name: string }) {
  return db.insert(plans).values(fields).returning();
}

export function updatePlan(db: Database, planId: number, fields: PlanFields) {
  return db.update(plans).set(fields).where(eq(plans.id, planId)).returning();
}

/** The plan's quotas become exactly `quotas` (a plan named by a subquery, for a plan inserted in the same batch). */
export function replacePlanQuotas(db: Database, planId: number | SQL, quotas: QuotaFields[]) {
  const clear = db.delete(planQuotas).where(eq(planQuotas.planId, planId));
  if (quotas.length === 0) return [clear] as const;
  return [clear, db.insert(planQuotas).values(quotas.map((q) => ({ ...q, planId })))] as const;
}

/** Deletes the plan only while no user is on it: the guard is in the statement, so a race cannot orphan one. */
export function deleteUnusedPlan(db: Database, planId: number) {
  const onPlan = db
    .select({ one: sql`1` })
    .from(users)
    .where(eq(users.planId, planId));
  return db
    .delete(plans)
    .where(and(eq(plans.id, planId), notExists(onPlan)))
    .returning({ id: plans.id });
}
