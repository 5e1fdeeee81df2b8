import type { Deps } from "../env";
import { TokenInvalid } from "../errors";
import { listPlansForCaller } from "../db/plans";
import type { PlanRow } from "../db/schema";
import { planPrice, type Billing } from "./prices";

export interface PlanOffer {
  plans: PlanRow[];
  /** The caller's plan, when the caller is signed in. */
  currentPlanId: number | null;
}

/**
 * The plans on sale (on one billing cycle, when asked), in display order, and the caller's own plan —
 * one query, which also checks the caller's session: a token whose session has ended is a 401.
 */
export async function offeredPlans(
  { db, clock }: Deps,
  caller: { userId: number; sessionId: string } | undefined,
  billing: Billing | undefined,
): Promise<PlanOffer> {
  const listing = await listPlansForCaller(db, caller, clock.now());
  if (!listing.callerLive) throw new TokenInvalid();
  const plans = billing ? listing.plans.filter((plan) => planPrice(plan, billing) !== null) : listing.plans;
  return { plans, currentPlanId: listing.callerPlanId };
}
