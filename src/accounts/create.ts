import type { Deps } from "../env";
import { insertUser, selectPlanOfUsername, type UserWithPlan } from "../db/users";
import { hashPassword, unusablePasswordHash } from "../auth/password";
import { assertIdentifiersFree, withUniqueFieldErrors } from "./identifiers";

export interface NewAccount {
  username: string;
  email: string;
  /** The password to set, or null for an account without one (a social sign-up: it signs in another way). */
  password: string | null;
  firstName?: string;
  lastName?: string;
  /** True when the address is known to be the user's (a provider vouched for it). */
  emailVerified?: boolean;
}

/**
 * Creates an account on the Free plan, with or without a password — the only place accounts are made
 * (registration, social sign-up). The user and the plan we answer with are one batch; a username or
 * address taken meanwhile is the same 400 as the check before it.
 */
export async function createAccount({ db, clock }: Deps, account: NewAccount): Promise<UserWithPlan> {
  await assertIdentifiersFree(db, account);
  const passwordHash = account.password === null ? unusablePasswordHash() : await hashPassword(account.password);
  const [[user], [plan]] = await withUniqueFieldErrors(() =>
    db.batch([
      insertUser(db, {
        username: account.username,
        email: account.email,
        passwordHash,
        firstName: account.firstName ?? "",
        lastName: account.lastName ?? "",
        emailVerified: account.emailVerified ?? false,
        dateJoined: clock.now(),
      }),
      selectPlanOfUsername(db, account.username),
    ]),
  );
  if (!user) throw new Error("the inserted user was not returned");
  return { user, plan: plan ?? null };
}
