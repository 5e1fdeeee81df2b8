import { and, asc, eq, exists, gt, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { planQuotas, plans, sessions, users, type PlanQuotaRow, type PlanRow, type UserRow } from "./schema";
import { sessionIsLive } from "./sessions";

/** A user, its plan, the plan's quotas, and every scope any plan knows: what a quota decision needs. */
export interface QuotaAccount {
  user: UserRow;
  plan: PlanRow | null;
  quotas: PlanQuotaRow[];
  knownScopes: string[];
}

/**
 * The account behind a token or an id, with its quotas, in one D1 round trip (a batch of single-table
 * reads: inside a batch Drizzle maps rows by column name, so joins would come back scrambled). With a
 * session id the session must be live; without one (service-binding calls) the user must be active.
 */
export async function findQuotaAccount(
  db: Database,
  who: { userId: number; sessionId?: string },
  now: Date,
): Promise<QuotaAccount | undefined> {
  const liveSession = who.sessionId
    ? exists(
        db
          .select({ one: sql`1` })
          .from(sessions)
          .where(and(eq(sessions.id, who.sessionId), eq(sessions.userId, users.id), sessionIsLive(now))),
      )
    : eq(users.isActive, true);
  const [user, plan, quotas, scopes] = await db.batch(quotaAccountReads(db, who.userId, liveSession));
  return quotaAccountOf(user, plan, quotas, scopes);
}

/**
 * The four single-table reads of a `QuotaAccount` — the user (where `condition` holds too), its plan,
 * the plan's quotas and every known scope — for a batch (add reads to it; read it with `quotaAccountOf`).
 */
export function quotaAccountReads(db: Database, userId: number, condition?: SQL) {
  const planOfUser = sql`(select ${users.planId} from ${users} where ${users.id} = ${userId})`;
  return [
    db
      .select()
      .from(users)
      .where(and(eq(users.id, userId), condition)),
    db.select().from(plans).where(eq(plans.id, planOfUser)),
    db.select().from(planQuotas).where(eq(planQuotas.planId, planOfUser)).orderBy(planQuotas.scope),
    db.selectDistinct({ scope: planQuotas.scope }).from(planQuotas),
  ] as const;
}

export function quotaAccountOf(
  users: UserRow[],
  plans: PlanRow[],
  quotas: PlanQuotaRow[],
  scopes: Array<{ scope: string }>,
): QuotaAccount | undefined {
  const [user] = users;
  if (!user) return undefined;
  return { user, plan: plans[0] ?? null, quotas, knownScopes: scopes.map((s) => s.scope) };
}

/** The plan after this one in display order (the first plan when there is none): what to upgrade to. */
export async function findNextPlan(db: Database, current: PlanRow | null): Promise<PlanRow | undefined> {
  const after = current
    ? or(
        gt(plans.sortOrder, current.sortOrder),
        and(eq(plans.sortOrder, current.sortOrder), gt(plans.name, current.name)),
      )
    : undefined;
  return db.select().from(plans).where(after).orderBy(asc(plans.sortOrder), asc(plans.name)).limit(1).get();
}
