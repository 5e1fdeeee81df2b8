import type { ClientInfo } from "../../client-info";
import { secondsAfter } from "../../clock";
import type { Deps } from "../../env";
import { ValidationError } from "../../errors";
import { consumePendingSignIn, countFailedAttempt, insertPendingSignIn, selectPendingSignIn } from "../../db/mfa";
import { insertSecurityEvent } from "../../db/security-events";
import { findUserWithPlan } from "../../db/users";
import { bytesToBase64Url, randomBytes, sha256Hex } from "../../encoding";
import type { Limiter } from "../rate-limit";
import { assertMaySignIn, startSession, type SignedIn, type VerifiedUser } from "../sign-in";
import { INVALID_CODE, useSecondFactor } from "./second-factor";

/** How long the second step may take. */
const PENDING_LIFETIME_SECONDS = 300;
export const PENDING_EXPIRED = "This sign-in has expired or is not valid: sign in again.";

/** What a sign-in that needs its second step answers: no token, no cookie — a single-use `mfa_token`. */
export interface SecondFactorRequired {
  mfaToken: string;
  methods: string[];
}

export type SignInOutcome = { signedIn: SignedIn } | { secondFactorRequired: SecondFactorRequired };

/**
 * A first step done (a password, Google): the session starts at once — or, when a second factor is on
 * for the account, a pending sign-in does (the MFA step is a stage of this login, not a second login):
 * bound to the user, carrying the first step's `amr`, alive 5 minutes, used once, 5 wrong codes at most.
 */
export async function beginSignIn(deps: Deps, verified: VerifiedUser, client: ClientInfo): Promise<SignInOutcome> {
  if (!verified.secondFactor) return { signedIn: await startSession(deps, verified, client) };
  const { db, config, clock } = deps;
  const { user } = verified.account;
  assertMaySignIn(config, user);
  const token = bytesToBase64Url(randomBytes(32));
  const now = clock.now();
  const pending = { tokenHash: await sha256Hex(token), userId: user.id, amr: verified.amr, now };
  await insertPendingSignIn(db, { ...pending, expiresAt: secondsAfter(now, PENDING_LIFETIME_SECONDS) }).run();
  return { secondFactorRequired: { mfaToken: token, methods: ["totp", "recovery_code"] } };
}

/**
 * The second step: a TOTP code or an unused recovery code for the pending sign-in's user, counted by
 * the same login limiter as the first step. A wrong code is a 400 on `code` and counts against the
 * pending sign-in; the fifth kills it. Right: the pending sign-in is used (once) and the session starts
 * with `amr` + `otp`; a recovery code also records `recovery_code_used`.
 */
export async function completeSignIn(
  deps: Deps,
  input: { mfa_token: string; code: string },
  client: ClientInfo,
  limitAttempts: Limiter,
): Promise<SignedIn> {
  const { db, clock } = deps;
  const now = clock.now();
  const tokenHash = await sha256Hex(input.mfa_token);
  const pending = await selectPendingSignIn(db, tokenHash, now);
  if (!pending) throw new ValidationError({ mfa_token: [PENDING_EXPIRED] });
  await limitAttempts(`user:${pending.userId}`);
  const method = await useSecondFactor(deps, pending.userId, input.code);
  if (!method) {
    await countFailedAttempt(db, tokenHash, now).run();
    throw new ValidationError({ code: [INVALID_CODE] });
  }
  const [consumed, found] = await Promise.all([
    consumePendingSignIn(db, tokenHash, now).run(),
    findUserWithPlan(db, pending.userId),
  ]);
  if (consumed.meta.changes === 0 || !found) throw new ValidationError({ mfa_token: [PENDING_EXPIRED] });
  if (method === "recovery_code") {
    await insertSecurityEvent(db, { userId: pending.userId, type: "recovery_code_used", client }, now).run();
  }
  const account = { user: found.user, plan: found.plan };
  return startSession(deps, { account, amr: [...pending.amr, "otp"], event: "login_succeeded" }, client);
}
