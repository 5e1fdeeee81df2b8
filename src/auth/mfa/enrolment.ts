import type { ClientInfo } from "../../client-info";
import type { Deps } from "../../env";
import { ValidationError } from "../../errors";
import {
  deleteRecoveryCodesIfNothingChanged,
  deleteSecondFactors,
  readMfaState,
  replaceRecoveryCodes,
  savePendingTotp,
  selectTotp,
  totpConfirmedAt,
  useTotpStep,
} from "../../db/mfa";
import { insertSecurityEvent, insertSecurityEventIf } from "../../db/security-events";
import { revokeOtherSessions } from "../../db/sessions";
import type { Principal } from "../principal";
import { reauthenticate } from "../reauthenticate";
import { mailUser } from "../recovery";
import { decryptSecret, encryptSecret, mfaKeys, newRecoveryCodes, recoveryCodeHash } from "./secrets";
import { INVALID_CODE, requireSecondFactor } from "./second-factor";
import { matchingStep, newTotpSecret, otpauthUrl } from "./totp";

export interface MfaStatus {
  totp: { enabled: boolean; created: Date | null };
  recoveryCodesRemaining: number;
  passkeys: number;
}

export async function mfaStatus({ db }: Deps, userId: number): Promise<MfaStatus> {
  const { totp, remainingRecoveryCodes, passkeys } = await readMfaState(db, userId);
  const enabled = Boolean(totp?.confirmedAt);
  return {
    totp: { enabled, created: enabled ? (totp?.confirmedAt ?? null) : null },
    recoveryCodesRemaining: enabled ? remainingRecoveryCodes : 0,
    passkeys,
  };
}

/**
 * Starts turning two-factor sign-in on: after the password (re-authentication), a new secret, stored
 * encrypted and pending until a code confirms it (a second setup replaces a pending one). Answers the
 * secret and its `otpauth://` URI, once; nothing is on yet.
 */
export async function setUpTotp(deps: Deps, principal: Principal, proof: { password?: string }) {
  const { db, config, clock } = deps;
  const { user } = principal;
  const keys = await mfaKeys(config.mfa.encryptionKey);
  const problems = await reauthenticate(user, proof);
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  const secret = newTotpSecret();
  const saved = await savePendingTotp(db, user.id, await encryptSecret(keys, secret), clock.now()).run();
  if (saved.meta.changes === 0) {
    throw new ValidationError({ non_field_errors: ["Two-factor authentication is already on: turn it off first."] });
  }
  return { secret, otpauthUrl: otpauthUrl(config.mfa.issuer, user.username, secret) };
}

/**
 * Turns two-factor sign-in on with a first code of the pending secret (its step counts as used), in one
 * batch with what goes with it: ten new recovery codes (stored only as HMACs, answered once), every other
 * session of the user ended, the `mfa_enabled` event. A wrong code changes nothing. The mail telling the
 * user is returned for after the answer.
 */
export async function confirmTotp(deps: Deps, principal: Principal, code: string, client: ClientInfo) {
  const { db, config, clock } = deps;
  const { user } = principal;
  const keys = await mfaKeys(config.mfa.encryptionKey);
  const totp = await selectTotp(db, user.id).get();
  if (!totp || totp.confirmedAt) {
    throw new ValidationError({ code: ["Start the setup first: there is no authenticator waiting to be confirmed."] });
  }
  const now = clock.now();
  const step = await matchingStep(await decryptSecret(keys, totp.encryptedSecret), code.trim(), now, totp.lastUsedStep);
  if (step === undefined) throw new ValidationError({ code: [INVALID_CODE] });
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map((c) => recoveryCodeHash(keys, c)));
  const confirmed = totpConfirmedAt(db, user.id, now);
  const [, , confirmation] = await db.batch([
    ...replaceRecoveryCodes(db, user.id, hashes, now),
    useTotpStep(db, user.id, step, now),
    // A confirmation that lost a race (or a replayed code) leaves no codes behind and changes nothing else.
    deleteRecoveryCodesIfNothingChanged(db, user.id),
    revokeOtherSessions(db, user.id, principal.sessionId, "mfa_enabled", now, confirmed),
    insertSecurityEventIf(db, { userId: user.id, type: "mfa_enabled", client }, now, confirmed),
  ]);
  if (confirmation.meta.changes === 0) throw new ValidationError({ code: [INVALID_CODE] });
  const followUp = mailUser(deps, user, user.email, "Two-factor authentication is on", [
    "Two-factor authentication was turned on for your account: signing in now asks for a code from your",
    "authenticator app (or one of your recovery codes). Your other sessions were signed out.",
    "If this was not you, reset your password at once and contact us.",
  ]);
  return { recoveryCodes: codes, followUp };
}

/**
 * Turns two-factor sign-in off, for a current code (TOTP or an unused recovery code): the authenticator
 * and every recovery code deleted, every other session ended, `mfa_disabled` recorded. A wrong code is a
 * 400 and changes nothing. The mail telling the user is returned for after the answer.
 */
export async function disableTotp(deps: Deps, principal: Principal, code: string, client: ClientInfo) {
  const { db, clock } = deps;
  const { user } = principal;
  await requireSecondFactor(deps, user.id, code);
  const now = clock.now();
  await db.batch([
    ...deleteSecondFactors(db, user.id),
    revokeOtherSessions(db, user.id, principal.sessionId, "mfa_disabled", now),
    insertSecurityEvent(db, { userId: user.id, type: "mfa_disabled", client }, now),
  ]);
  return {
    followUp: mailUser(deps, user, user.email, "Two-factor authentication is off", [
      "Two-factor authentication was turned off for your account: signing in asks only for your password now.",
      "If this was not you, reset your password at once and contact us.",
    ]),
  };
}

/** Ten new recovery codes for a current code (TOTP or an unused recovery code); the old ones die. */
export async function regenerateRecoveryCodes(deps: Deps, principal: Principal, code: string, client: ClientInfo) {
  const { db, config, clock } = deps;
  const { user } = principal;
  const keys = await mfaKeys(config.mfa.encryptionKey);
  await requireSecondFactor(deps, user.id, code);
  const now = clock.now();
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map((c) => recoveryCodeHash(keys, c)));
  await db.batch([
    ...replaceRecoveryCodes(db, user.id, hashes, now),
    insertSecurityEvent(db, { userId: user.id, type: "recovery_codes_regenerated", client }, now),
  ]);
  return codes;
}

/** The pending setup's secret again (the account page shows it until its first code is right), if one waits. */
export async function pendingTotpSetup(deps: Deps, principal: Principal) {
  const { db, config } = deps;
  const totp = await selectTotp(db, principal.user.id).get();
  if (!totp || totp.confirmedAt) return undefined;
  const secret = await decryptSecret(await mfaKeys(config.mfa.encryptionKey), totp.encryptedSecret);
  return { secret, otpauthUrl: otpauthUrl(config.mfa.issuer, principal.user.username, secret) };
}
