import type { Deps } from "../env";
import { NotFound } from "../errors";
import { readAccountRows } from "../db/account-data";
import { quotaUsages } from "../quotas/usage";

/**
 * A full read of one account — everything the service holds on it, no caps: the D1 rows in one round
 * trip, then its usage from its counter.
 */
export async function readAccount(deps: Deps, userId: number) {
  const rows = await readAccountRows(deps.db, userId, deps.clock.now());
  if (!rows) throw new NotFound();
  return { ...rows, usages: await quotaUsages(deps, rows) };
}

export type AccountData = Awaited<ReturnType<typeof readAccount>>;
