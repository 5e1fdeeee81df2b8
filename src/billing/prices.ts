import type { PlanRow } from "../db/schema";

/** Currencies Stripe counts in whole units (its `unit_amount` for JPY is yen, not hundredths). */
const ZERO_DECIMAL = new Set([
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "JPY",
  "KMF",
  "KRW",
  "MGA",
  "PYG",
  "RWF",
  "UGX",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
]);

export interface Price {
  amount: number;
  currency: string;
  interval: string;
}

export type Billing = "monthly" | "yearly";

/** The cached price of one billing cycle of a plan, in currency units (5, 55.5), or null if none. */
export function planPrice(plan: PlanRow, billing: Billing): Price | null {
  const [unitAmount, currency, interval] =
    billing === "monthly"
      ? [plan.monthlyUnitAmount, plan.monthlyCurrency, plan.monthlyInterval]
      : [plan.yearlyUnitAmount, plan.yearlyCurrency, plan.yearlyInterval];
  if (unitAmount === null || currency === null || interval === null) return null;
  const upper = currency.toUpperCase();
  return { amount: ZERO_DECIMAL.has(upper) ? unitAmount : unitAmount / 100, currency: upper, interval };
}

/** The Stripe price that sells this plan on this billing cycle, if it does. */
export function planPriceId(plan: PlanRow, billing: Billing): string | null {
  if (planPrice(plan, billing) === null) return null;
  return billing === "monthly" ? plan.monthlyPriceId : plan.yearlyPriceId;
}
