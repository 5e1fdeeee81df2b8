import type { ClientInfo } from "../client-info";
import type { Deps } from "../env";
import { Conflict, TooManyRequests, ValidationError, type FieldErrors } from "../errors";
import { recordExportAndReadAccount, type AccountRows } from "../db/account-data";
import type { UserRow } from "../db/schema";
import { countOtherActiveStaff } from "../db/users";
import { hasUsablePassword } from "../auth/password";
import type { Principal } from "../auth/principal";
import { reauthenticate } from "../auth/reauthenticate";
import { mfaStatus } from "../auth/mfa/enrolment";
import { useSecondFactor } from "../auth/mfa/second-factor";
import { mailUser } from "../auth/recovery";
import type { Usage } from "../quotas/counter";
import { quotaUsages } from "../quotas/usage";
import { deleteAccount } from "./delete";

/** Exports a user may make in an hour (counted from its `data_exported` events). */
export const EXPORTS_PER_HOUR = 3;
const HOUR_MS = 3_600_000;

export interface AccountExport extends AccountRows {
  exportedAt: Date;
  usages: Usage[];
}

/**
 * Everything the service holds on the caller, for them to keep (GDPR's access and portability): one D1
 * round trip — the export recorded as a `data_exported` security event only while under the hourly
 * limit, and every row read — then the usage from the user's counter. Over the limit: 429 with the
 * seconds until the oldest counted export leaves the hour.
 */
export async function exportOwnAccount(deps: Deps, principal: Principal, client: ClientInfo): Promise<AccountExport> {
  const now = deps.clock.now();
  const since = new Date(now.getTime() - HOUR_MS);
  const { recorded, oldestCounted, account } = await recordExportAndReadAccount(
    deps.db,
    { userId: principal.user.id, client },
    { since, now, limit: EXPORTS_PER_HOUR },
  );
  if (!recorded) {
    const freedAt = (oldestCounted?.getTime() ?? now.getTime()) + HOUR_MS;
    throw new TooManyRequests(Math.max(1, Math.ceil((freedAt - now.getTime()) / 1000)));
  }
  if (!account) throw new Error("the exported account was not read back");
  return { ...account, exportedAt: now, usages: await quotaUsages(deps, account) };
}

/** What the owner offers to confirm a deletion: the password, or (without one) their username typed again. */
export interface DeletionProof {
  password?: string;
  confirm?: string;
  code?: string;
}

/**
 * The proof a deletion needs of this account: its password when it has a usable one; else its username
 * typed again, and — with two-factor on — a current code (TOTP or recovery code).
 */
async function deletionProblems(deps: Deps, user: UserRow, proof: DeletionProof): Promise<FieldErrors> {
  if (hasUsablePassword(user.passwordHash)) return reauthenticate(user, { password: proof.password });
  if (proof.confirm !== user.username) {
    return { confirm: [`This account has no password: send your username ("confirm") to delete it.`] };
  }
  if (!(await mfaStatus(deps, user.id)).totp.enabled) return {};
  if (proof.code && (await useSecondFactor(deps, user.id, proof.code))) return {};
  return { code: ["Two-factor authentication is on: send a current code to delete the account."] };
}

/**
 * The owner deletes their account (GDPR's erasure): proven again first (a wrong or missing proof is a
 * 400 and nothing changes); the last active staff account may not (409). Then `deleteAccount` — a live
 * Stripe subscription cancelled first (a Stripe failure is a 502 and deletes nothing), everything held
 * on the account in one batch, its usage counter emptied — and a last mail to the address, returned for
 * after the answer.
 */
export async function deleteOwnAccount(deps: Deps, principal: Principal, proof: DeletionProof) {
  const { user } = principal;
  const problems = await deletionProblems(deps, user, proof);
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  if (user.isStaff && (await countOtherActiveStaff(deps.db, user.id)) === 0) {
    throw new Conflict("You are the last active staff account: make another account staff before deleting this one.");
  }
  const deleted = await deleteAccount(deps, { kind: "self" }, user.id, { cancelSubscription: true });
  const lastMail = mailUser(deps, deleted, deleted.email, "Your account was deleted", [
    "Your account and the data we held about it were deleted, as you asked.",
    "If you did not do this, reply to this message at once.",
  ]);
  return { lastMail };
}
