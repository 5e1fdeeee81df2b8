import type { Deps } from "../../env";
import { ValidationError } from "../../errors";
import { selectTotp, useRecoveryCode, useTotpStep } from "../../db/mfa";
import { decryptSecret, mfaKeys, normalisedRecoveryCode, recoveryCodeHash } from "./secrets";
import { matchingStep } from "./totp";

export const INVALID_CODE = "Invalid code.";

export type SecondFactorMethod = "totp" | "recovery_code";

/**
 * Checks and uses a second-factor code of the user — a current TOTP code of its confirmed authenticator,
 * or one of its unused recovery codes — once: the use is a compare-and-swap, so a replayed or
 * concurrently used code fails. Says which kind it was, or undefined for a wrong code.
 */
export async function useSecondFactor(
  deps: Deps,
  userId: number,
  code: string,
): Promise<SecondFactorMethod | undefined> {
  const { db, config, clock } = deps;
  const keys = await mfaKeys(config.mfa.encryptionKey);
  const now = clock.now();
  const typed = code.trim();
  if (/^\d{6}$/.test(typed)) {
    const totp = await selectTotp(db, userId).get();
    if (!totp?.confirmedAt) return undefined;
    const step = await matchingStep(await decryptSecret(keys, totp.encryptedSecret), typed, now, totp.lastUsedStep);
    if (step === undefined) return undefined;
    const used = await useTotpStep(db, userId, step).run();
    return used.meta.changes > 0 ? "totp" : undefined;
  }
  const recovery = normalisedRecoveryCode(typed);
  if (!recovery) return undefined;
  const used = await useRecoveryCode(db, userId, await recoveryCodeHash(keys, recovery), now).run();
  return used.meta.changes > 0 ? "recovery_code" : undefined;
}

/** The same, for an endpoint whose `code` field must be right: a wrong one is a 400 on `code`. */
export async function requireSecondFactor(deps: Deps, userId: number, code: string): Promise<SecondFactorMethod> {
  const method = await useSecondFactor(deps, userId, code);
  if (!method) throw new ValidationError({ code: [INVALID_CODE] });
  return method;
}
