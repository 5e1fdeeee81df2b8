import { createMiddleware } from "hono/factory";
import type { ClientInfo } from "../client-info";
import type { Deps } from "../env";
import { PermissionDenied } from "../errors";
import { insertSecurityEvent } from "../db/security-events";
import { verifyPasswordSignIn } from "../auth/accounts";
import { requireUser, type SignedInEnv } from "../auth/middleware";
import type { Limiter } from "../auth/rate-limit";
import type { AuthMethod } from "../auth/tokens";
import { beginSignIn, type SignInOutcome } from "../auth/mfa/sign-in-step";

/**
 * After `requireUser` (which read the account from D1 on this very request): the caller must be staff.
 * Demoting or deactivating a staff member therefore ends their admin access on their next request.
 */
const requireStaffFlag = createMiddleware<SignedInEnv>(async (c, next) => {
  const { user, amr } = c.var.principal;
  if (!user.isStaff) throw new PermissionDenied();
  if (c.var.config.mfa.requiredForStaff && !hasSecondFactor(amr)) throw new PermissionDenied(STAFF_NEED_SECOND_FACTOR);
  await next();
});

export const STAFF_NEED_SECOND_FACTOR =
  "Staff must sign in with a second factor: turn on two-factor authentication and sign in again.";

/** Whether a session was started with a second factor (a TOTP or recovery code, or a passkey). */
export function hasSecondFactor(amr: AuthMethod[]): boolean {
  return amr.includes("otp") || amr.includes("webauthn");
}

/**
 * A route's `middleware` for the admin API and console: signed in, and staff — with ADMIN_REQUIRE_MFA,
 * through a session started with a second factor.
 */
export const staffOnly: [typeof requireUser, typeof requireStaffFlag] = [requireUser, requireStaffFlag];

/** Who an admin write is recorded as. */
export interface Actor {
  id: number;
  username: string;
}

export function actorOf(principal: { user: Actor }): Actor {
  return { id: principal.user.id, username: principal.user.username };
}

/**
 * The console's sign-in: the password checked as for `/auth/login/`, then the staff check before any
 * session starts — anyone else gets none, and the refusal is recorded.
 */
export async function signInStaff(
  deps: Deps,
  credentials: { username: string; password: string },
  client: ClientInfo,
  limitAttempts: Limiter,
): Promise<SignInOutcome> {
  const verified = await verifyPasswordSignIn(deps, credentials, client, limitAttempts);
  const { user } = verified.account;
  if (!user.isStaff) {
    const event = { userId: user.id, type: "console_access_refused", client } as const;
    await insertSecurityEvent(deps.db, event, deps.clock.now()).run();
    throw new PermissionDenied("This account is not staff: it cannot use the admin console.");
  }
  return beginSignIn(deps, verified, client);
}
