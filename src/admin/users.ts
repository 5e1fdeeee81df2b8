import { epochSeconds } from "../clock";
import type { ClientInfo } from "../client-info";
import type { Deps } from "../env";
import { Conflict, NotFound, ValidationError } from "../errors";
import { deleteAccount } from "../accounts/delete";
import { assertIdentifiersFree, withUniqueFieldErrors } from "../accounts/identifiers";
import { disconnectSocialAccount } from "../auth/google/sign-in";
import { removePasskey } from "../auth/passkeys";
import { mailPasswordReset, mailUser, sendEmailChangedNotice } from "../auth/recovery";
import { deleteSecondFactors, readMfaState } from "../db/mfa";
import { insertSecurityEvent } from "../db/security-events";
import {
  readUserForStaff,
  searchUsersQuery,
  updateUserAsStaff,
  type StaffUserChanges,
  type StaffUserDetail,
} from "../db/admin-users";
import { insertAuditEntry, listAuditEntries } from "../db/audit";
import { invalidateOneTimeTokens } from "../db/one-time-tokens";
import { selectPlanById } from "../db/plans";
import type { PlanRow, UserRow } from "../db/schema";
import { revokeAllSessions } from "../db/sessions";
import { selectPlanOfUser, selectUserById } from "../db/users";
import { readPage, type PageRequest } from "../pagination";
import { quotaUsages } from "../quotas/usage";
import type { StaffUserEdit, UserSearch } from "../schemas/admin";
import type { Actor } from "./staff";

/** Users matching the search, one page, in one D1 query. */
export function searchUsers({ db }: Deps, search: UserSearch, page: PageRequest) {
  return readPage(page, async (window) => {
    const rows = await searchUsersQuery(db, search, window);
    return { rows, total: rows[0]?.total ?? 0 };
  });
}

/** The user page: profile, plan, Stripe state, quota usage, sessions, security events and audit log. */
export async function userDetail(deps: Deps, userId: number): Promise<StaffUserDetail> {
  const view = await readUserForStaff(deps.db, userId, deps.clock.now());
  if (!view) throw new NotFound();
  return { ...view, usages: await quotaUsages(deps, view) };
}

/** An account as the audit log records it (snake_case, as the API names the fields). */
function auditedFields(user: UserRow, plan: PlanRow | null | undefined) {
  return {
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    date_of_birth: user.dateOfBirth,
    plan: plan?.name ?? null,
    is_active: user.isActive,
    is_staff: user.isStaff,
  };
}

/** Only the fields that differ, before and after. */
function difference(before: Record<string, unknown>, after: Record<string, unknown>) {
  const changed = Object.keys(after).filter((key) => before[key] !== after[key]);
  return {
    before: Object.fromEntries(changed.map((key) => [key, before[key]])),
    after: Object.fromEntries(changed.map((key) => [key, after[key]])),
  };
}

/** The account, its plan and (when asked for) the plan it is to move to: one batch. */
async function readForEdit({ db }: Deps, userId: number, planId?: number) {
  const [[user], [plan], [target]] = await db.batch([
    selectUserById(db, userId),
    selectPlanOfUser(db, userId),
    selectPlanById(db, planId ?? -1),
  ]);
  if (!user) throw new NotFound();
  if (planId !== undefined && !target) {
    throw new ValidationError({ plan: [`Invalid pk "${planId}" - object does not exist.`] });
  }
  return { user, plan: plan ?? null, target };
}

/** Staff cannot lock themselves out: the last staff member could otherwise leave nobody to undo it. */
function refuseSelfLockout(actor: Actor, userId: number, edit: StaffUserEdit) {
  if (actor.id !== userId) return;
  if (edit.isStaff === false) throw new ValidationError({ is_staff: ["You cannot remove your own staff access."] });
  if (edit.isActive === false) throw new ValidationError({ is_active: ["You cannot deactivate your own account."] });
}

export interface StaffEditResult {
  changed: string[];
  /** The old address told of an e-mail change, for after the answer. */
  followUp?: Promise<void>;
}

/**
 * Applies a staff edit and its audit entry in one batch. A plan set by hand is recorded as such and
 * counts as the subscription's newest state, so no Stripe event older than the edit undoes it (a newer
 * one does: the customer changed their subscription since). Deactivating ends every session at once.
 * A new e-mail is taken as given (staff changed it), unverified, and the old address is told.
 */
export async function editUser(
  deps: Deps,
  actor: Actor,
  userId: number,
  edit: StaffUserEdit,
): Promise<StaffEditResult> {
  const { db, clock } = deps;
  refuseSelfLockout(actor, userId, edit);
  const { user, plan, target } = await readForEdit(deps, userId, edit.planId);
  const now = clock.now();
  const changes: StaffUserChanges = {};
  if (edit.firstName !== undefined && edit.firstName !== user.firstName) changes.firstName = edit.firstName;
  if (edit.lastName !== undefined && edit.lastName !== user.lastName) changes.lastName = edit.lastName;
  if (edit.dateOfBirth !== undefined && edit.dateOfBirth !== user.dateOfBirth) changes.dateOfBirth = edit.dateOfBirth;
  if (edit.isActive !== undefined && edit.isActive !== user.isActive) changes.isActive = edit.isActive;
  if (edit.isStaff !== undefined && edit.isStaff !== user.isStaff) changes.isStaff = edit.isStaff;
  if (edit.email !== undefined && edit.email !== user.email) {
    await assertIdentifiersFree(db, { email: edit.email }, user.id);
    Object.assign(changes, { email: edit.email, emailVerified: false, pendingEmail: null });
  }
  if (target && target.id !== user.planId) {
    const eventAt = Math.max(user.subscriptionEventAt ?? 0, epochSeconds(now));
    Object.assign(changes, { planId: target.id, planSetByHandAt: now, subscriptionEventAt: eventAt });
  }
  const audited = difference(auditedFields(user, plan), auditedFields({ ...user, ...changes }, target ?? plan));
  const changed = Object.keys(audited.after);
  if (changed.length === 0) return { changed };
  const entry = { actor, action: "user.updated", target: { type: "user", id: user.id }, ...audited } as const;
  await withUniqueFieldErrors(() =>
    db.batch([
      updateUserAsStaff(db, user.id, changes),
      insertAuditEntry(db, entry, now),
      ...(changes.isActive === false ? [revokeAllSessions(db, user.id, "deactivated", now)] : []),
      ...(changes.email === undefined ? [] : [invalidateOneTimeTokens(db, user.id, "all", now)]),
    ]),
  );
  if (changes.email === undefined) return { changed };
  const change = { from: user.email, to: changes.email };
  return { changed, followUp: sendEmailChangedNotice(deps, { ...user, ...changes }, change) };
}

async function recorded(deps: Deps, actor: Actor, userId: number, action: string) {
  const { user } = await readForEdit(deps, userId);
  return { user, entry: { actor, action, target: { type: "user", id: user.id } } as const };
}

/** Ends every session of the user: its refresh and access tokens stop working at once. */
export async function endSessionsOf(deps: Deps, actor: Actor, userId: number): Promise<number> {
  const { db, clock } = deps;
  const { user, entry } = await recorded(deps, actor, userId, "user.sessions_ended");
  const now = clock.now();
  const [ended] = await db.batch([
    revokeAllSessions(db, user.id, "ended_by_staff", now),
    insertAuditEntry(db, entry, now),
  ]);
  return ended.meta.changes;
}

/**
 * Resets a user's two-factor authentication (lost phone and codes): the authenticator and recovery codes
 * deleted, with the audit entry and the user's security event in one batch; the user is mailed. A user
 * without it is a 409.
 */
export async function resetSecondFactorsOf(deps: Deps, actor: Actor, userId: number, client: ClientInfo) {
  const { db, clock } = deps;
  const { user, entry } = await recorded(deps, actor, userId, "user.mfa_reset");
  const { totp } = await readMfaState(db, user.id);
  if (!totp) throw new Conflict("This user has no two-factor authentication to reset.");
  const now = clock.now();
  await db.batch([
    ...deleteSecondFactors(db, user.id),
    insertAuditEntry(db, { ...entry, before: { mfa: true }, after: { mfa: false } }, now),
    insertSecurityEvent(db, { userId: user.id, type: "mfa_reset_by_staff", client }, now),
  ]);
  const followUp = mailUser(deps, user, user.email, "Two-factor authentication was reset", [
    "Our staff reset the two-factor authentication of your account, as asked: signing in asks only for",
    "your password now. Turn it on again from your account's security page.",
    "If you did not ask for this, reset your password at once and contact us.",
  ]);
  return { followUp };
}

/**
 * Unlinks one of the user's social accounts (audited), on the rule users have: never the last way to
 * sign in of an account without a password.
 */
export async function unlinkSocialAccountOf(
  deps: Deps,
  actor: Actor,
  userId: number,
  identityId: number,
  client: ClientInfo,
) {
  const { user, entry } = await recorded(deps, actor, userId, "user.social_account_unlinked");
  const removed = await disconnectSocialAccount(deps, user, identityId, client);
  const audited = {
    ...entry,
    before: { social_account: `${removed.provider}:${removed.uid}` },
    after: { social_account: null },
  };
  await insertAuditEntry(deps.db, audited, deps.clock.now()).run();
  return removed;
}

/** Removes one of the user's passkeys (audited; the user is mailed), on the rule users have: never the last way to sign in. */
export async function removePasskeyOf(deps: Deps, actor: Actor, userId: number, passkeyId: string, client: ClientInfo) {
  const { user, entry } = await recorded(deps, actor, userId, "user.passkey_removed");
  const { removed, followUp } = await removePasskey(deps, user, passkeyId, client);
  await insertAuditEntry(
    deps.db,
    { ...entry, before: { passkey: removed.name }, after: { passkey: null } },
    deps.clock.now(),
  ).run();
  return { removed, followUp };
}

/** Mails the user a password-reset link, as if they had asked for one; a deactivated account cannot. */
export async function sendPasswordResetTo(
  deps: Deps,
  actor: Actor,
  userId: number,
  client: ClientInfo,
): Promise<string> {
  const { user, entry } = await recorded(deps, actor, userId, "user.password_reset_sent");
  if (!user.isActive) throw new Conflict("This account is deactivated: activate it before sending a reset link.");
  await insertAuditEntry(deps.db, entry, deps.clock.now()).run();
  await mailPasswordReset(deps, user, client);
  return user.email;
}

/**
 * Deletes the account and its personal data (see `deleteAccount`), recorded as this staff member's
 * doing. Staff cannot delete themselves here; a billing subscription is refused unless `cancel`.
 */
export async function deleteUser(deps: Deps, actor: Actor, userId: number, cancel: boolean): Promise<void> {
  if (actor.id === userId) throw new ValidationError({ non_field_errors: ["You cannot delete your own account."] });
  await deleteAccount(deps, { kind: "staff", ...actor }, userId, { cancelSubscription: cancel });
}

/** One page of the audit entries about this user. */
export function userAuditPage({ db }: Deps, userId: number, page: PageRequest) {
  return readPage(page, (window) => listAuditEntries(db, { type: "user", id: userId }, window));
}

/** One page of every audit entry. */
export function auditPage({ db }: Deps, page: PageRequest) {
  return readPage(page, (window) => listAuditEntries(db, undefined, window));
}
