import type { Context } from "hono";
import type { ClientInfo } from "../../client-info";
import { secondsAfter } from "../../clock";
import type { Deps } from "../../env";
import { NonFieldError, ValidationError } from "../../errors";
import type { PendingSignInRow } from "../../db/schema";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { PASSKEY_SIGN_IN_FAILED, passkeySecondFactorOptions, verifyPasskey } from "../passkeys";
import type { AuthMethod } from "../tokens";
import {
  consumePendingSignIn,
  countFailedAttempt,
  insertPendingSignIn,
  readMfaState,
  selectPendingSignIn,
} from "../../db/mfa";
import { insertSecurityEvent } from "../../db/security-events";
import { findUserWithPlan } from "../../db/users";
import { bytesToBase64Url, randomBytes, sha256Hex } from "../../encoding";
import type { Limiter } from "../rate-limit";
import type { LoginPayload } from "../../schemas/auth";
import { serializeSecondFactorRequired, type SecondFactorRequiredPayload } from "../../schemas/mfa";
import { answerSignedIn, assertMaySignIn, startSession, type SignedIn, type VerifiedUser } from "../sign-in";
import { INVALID_CODE, useSecondFactor, type SecondFactorMethod } from "./second-factor";

/** How long the second step may take. */
const PENDING_LIFETIME_SECONDS = 300;
export const PENDING_EXPIRED = "This sign-in has expired or is not valid: sign in again.";

/** What a sign-in that needs its second step answers: no token, no cookie — a single-use `mfa_token`. */
export interface SecondFactorRequired {
  mfaToken: string;
  methods: string[];
}

export type SignInOutcome = { signedIn: SignedIn } | { secondFactorRequired: SecondFactorRequired };

/** The API's answer to a first step: signed in (see `answerSignedIn`), or the second step to take. */
export function answerSignInOutcome(c: Context, outcome: SignInOutcome): LoginPayload | SecondFactorRequiredPayload {
  if ("secondFactorRequired" in outcome) return serializeSecondFactorRequired(outcome.secondFactorRequired);
  return answerSignedIn(c, outcome.signedIn);
}

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
  const [, methods] = await Promise.all([
    insertPendingSignIn(db, { ...pending, expiresAt: secondsAfter(now, PENDING_LIFETIME_SECONDS) }).run(),
    methodsOf(deps, user.id),
  ]);
  return { secondFactorRequired: { mfaToken: token, methods } };
}

/** The second factors a user has, as the MFA step names them. */
async function methodsOf({ db }: Deps, userId: number): Promise<string[]> {
  const factors = await readMfaState(db, userId);
  return [
    ...(factors.totp?.confirmedAt ? ["totp", "recovery_code"] : []),
    ...(factors.passkeys > 0 ? ["passkey"] : []),
  ];
}

/** The second factors the pending sign-in's user can use (a page showing the step again needs them). */
export async function pendingSignInMethods(deps: Deps, mfaToken: string): Promise<string[]> {
  return methodsOf(deps, (await pendingSignIn(deps, mfaToken)).userId);
}

/** The pending sign-in a second step (or its passkey options) is for; an expired, used or dead one is a 400. */
export async function pendingSignIn({ db, clock }: Deps, mfaToken: string) {
  const tokenHash = await sha256Hex(mfaToken);
  const pending = await selectPendingSignIn(db, tokenHash, clock.now());
  if (!pending) throw new ValidationError({ mfa_token: [PENDING_EXPIRED] });
  return pending;
}

/** Request options for the MFA step with a passkey: the pending sign-in's user's passkeys only. */
export async function secondFactorPasskeyOptions(deps: Deps, mfaToken: string) {
  const pending = await pendingSignIn(deps, mfaToken);
  return passkeySecondFactorOptions(deps, pending.userId, pending.tokenHash);
}

/**
 * The second step: a TOTP code, an unused recovery code, or a passkey (its answer to this pending
 * sign-in's challenge) of the pending sign-in's user, counted by the same login limiter as the first
 * step. A wrong code or refused passkey is a 400 and counts against the pending sign-in; the fifth kills
 * it. Right: the pending sign-in is used (once) and the session starts with `amr` + `otp` (or
 * `webauthn`); a recovery code also records `recovery_code_used`.
 */
export async function completeSignIn(
  deps: Deps,
  input: { mfa_token: string; code?: string; credential?: AuthenticationResponseJSON },
  client: ClientInfo,
  limitAttempts: Limiter,
): Promise<SignedIn> {
  const { db, clock } = deps;
  const now = clock.now();
  const pending = await pendingSignIn(deps, input.mfa_token);
  const { tokenHash } = pending;
  await limitAttempts(`user:${pending.userId}`);
  const proof = await secondStepMethod(deps, pending, input, client);
  if (!proof) {
    await countFailedAttempt(db, tokenHash, now).run();
    throw input.credential ? new NonFieldError(PASSKEY_SIGN_IN_FAILED) : new ValidationError({ code: [INVALID_CODE] });
  }
  const [consumed, found] = await Promise.all([
    consumePendingSignIn(db, tokenHash, now).run(),
    findUserWithPlan(db, pending.userId),
  ]);
  if (consumed.meta.changes === 0 || !found) throw new ValidationError({ mfa_token: [PENDING_EXPIRED] });
  if (proof.method === "recovery_code") {
    await insertSecurityEvent(db, { userId: pending.userId, type: "recovery_code_used", client }, now).run();
  }
  const account = { user: found.user, plan: found.plan };
  const amr: AuthMethod[] = [...pending.amr, proof.method === "passkey" ? "webauthn" : "otp"];
  return startSession(deps, { account, amr, event: "login_succeeded", writes: proof.writes }, client);
}

/**
 * Which second factor the input proves for the pending sign-in (with the writes that go in the session's
 * batch: a passkey's use), or undefined when it proves none.
 */
async function secondStepMethod(
  deps: Deps,
  pending: PendingSignInRow,
  input: { code?: string; credential?: AuthenticationResponseJSON },
  client: ClientInfo,
): Promise<{ method: SecondFactorMethod | "passkey"; writes?: VerifiedUser["writes"] } | undefined> {
  if (input.credential) {
    const expected = { purpose: "mfa", userId: pending.userId, pendingSignIn: pending.tokenHash } as const;
    return verifyPasskey(deps, input.credential, expected, client).then(
      ({ recordUse }) => ({ method: "passkey" as const, writes: [recordUse] }),
      (error: unknown) => {
        // A refused passkey is a wrong second factor (counted by the caller); anything else is a failure.
        if (error instanceof NonFieldError) return undefined;
        throw error;
      },
    );
  }
  if (input.code === undefined) throw new ValidationError({ code: ["This field is required."] });
  const method = await useSecondFactor(deps, pending.userId, input.code);
  return method && { method };
}
