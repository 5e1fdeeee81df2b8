import type { Deps } from "../env";
import { Conflict, NotFound, ValidationError } from "../errors";
import { requireUserWith } from "../auth/middleware";
import { findNextPlan, findQuotaAccount, type QuotaAccount } from "../db/quotas";
import type { PlanRow } from "../db/schema";
import { notAValidChoice } from "../schemas/drf-messages";
import type { Quota, Usage } from "./counter";

/** Where the frontend sells plans; the Django service's `upgrade_url`. */
export const UPGRADE_URL = "/plans/";
/** A scope the plan does not list is unlimited; its units are still counted, over a day. */
const UNLIMITED_WINDOW_SECONDS = 86_400;

export interface UpgradeSuggestion {
  plan: PlanRow;
  url: string;
}

function quotaFor(account: QuotaAccount, scope: string): Quota {
  if (!account.knownScopes.includes(scope)) {
    throw new ValidationError({ scope: [notAValidChoice(scope)] });
  }
  const row = account.quotas.find((quota) => quota.scope === scope);
  return row
    ? { scope, limit: row.limit, windowSeconds: row.windowSeconds }
    : { scope, limit: null, windowSeconds: UNLIMITED_WINDOW_SECONDS };
}

const requireUserWithQuotas = requireUserWith(({ db, clock }, caller) => findQuotaAccount(db, caller, clock.now()));
/** A route's `middleware`: signed in, with the plan's quotas read in the same D1 query as the user. */
export const signedInWithQuotas: [typeof requireUserWithQuotas] = [requireUserWithQuotas];

/** The next plan by display order, or null on the top plan. */
export async function upgradeSuggestion({ db }: Deps, plan: PlanRow | null): Promise<UpgradeSuggestion | null> {
  const next = await findNextPlan(db, plan);
  return next ? { plan: next, url: UPGRADE_URL } : null;
}

export type ConsumeOutcome =
  { allowed: true; usage: Usage } | { allowed: false; usage: Usage; upgrade: UpgradeSuggestion | null };

/**
 * Takes `amount` units of `scope` under the limit of the user's plan *now* (read in the same query as
 * the user), all or nothing, counted exactly by the user's Durable Object. With an idempotency key, a
 * retried consume answers as the first one did and counts once.
 */
export async function consumeQuota(
  deps: Deps,
  account: QuotaAccount,
  request: { scope: string; amount: number; idempotencyKey?: string },
): Promise<ConsumeOutcome> {
  const quota = quotaFor(account, request.scope);
  const now = deps.clock.now().getTime();
  const result = await deps.usage(account.user.id).consume(quota, request.amount, now, request.idempotencyKey);
  if (result.allowed === "conflict") throw new Conflict(result.reason);
  const { allowed, ...usage } = result;
  if (allowed) return { allowed, usage };
  return { allowed, usage, upgrade: await upgradeSuggestion(deps, account.plan) };
}

/** Gives back units of a consume whose work failed: only units it took, only once. */
export async function refundQuota(
  deps: Deps,
  account: QuotaAccount,
  request: { scope: string; amount?: number; idempotencyKey: string },
): Promise<Usage> {
  const quota = quotaFor(account, request.scope);
  const now = deps.clock.now().getTime();
  const result = await deps.usage(account.user.id).refund(quota, request.idempotencyKey, request.amount, now);
  if (result.refunded) {
    const { refunded: _refunded, ...usage } = result;
    return usage;
  }
  if (result.reason === "unknown_key") throw new NotFound();
  if (result.reason === "already_refunded") throw new Conflict("That consume was already refunded.");
  throw new ValidationError({ amount: ["Ensure this value is no more than the units that consume took."] });
}

export interface QuotaStatus {
  account: QuotaAccount;
  usages: Usage[];
  upgrade: UpgradeSuggestion | null;
}

/** The user's usage of every quota of its plan. */
export function quotaUsages(deps: Deps, account: QuotaAccount): Promise<Usage[]> {
  const quotas = account.quotas.map((row) => quotaFor(account, row.scope));
  return deps.usage(account.user.id).status(quotas, deps.clock.now().getTime());
}

/** The user's usage of every quota of its plan, and the plan to upgrade to. */
export async function quotaStatus(deps: Deps, account: QuotaAccount): Promise<QuotaStatus> {
  const [usages, upgrade] = await Promise.all([quotaUsages(deps, account), upgradeSuggestion(deps, account.plan)]);
  return { account, usages, upgrade };
}
