import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import type { ClientInfo } from "../client-info";
import { requestVars, type Config, type Deps } from "../env";
import type { UserRow } from "../db/schema";
import { NonFieldError } from "../errors";
import { insertSecurityEvent, type SecurityEventType } from "../db/security-events";
import { updateUser, type UserChanges, type UserWithPlan } from "../db/users";
import { serializeLoginPayload, type LoginPayload } from "../schemas/auth";
import { ensureCsrfCookie, setSessionCookies } from "./cookies";
import { newSessionGrant, recordNewSession, signSessionTokens, tokenSubject, type SessionTokens } from "./sessions";
import type { AuthMethod } from "./tokens";

/** A user whose credentials a sign-in method has just checked, and how. */
export interface VerifiedUser {
  account: UserWithPlan;
  /** How it was verified: the new session's `amr` (carried by its access tokens). */
  amr: AuthMethod[];
  /** What the sign-in records in the user's security events (null: nothing, as for a registration). */
  event: SecurityEventType | null;
  /** Changes to the user row that go with the sign-in (a password re-hashed to our format). */
  userChanges?: UserChanges;
  /** Other writes of the sign-in method, in the session's batch (a passkey's counter and last use). */
  writes?: BatchItem<"sqlite">[];
  /** A second factor is on for the account: this was the first step only (see `beginSignIn`). */
  secondFactor?: boolean;
}

export interface SignedIn {
  account: UserWithPlan;
  tokens: SessionTokens;
}

export const ACCOUNT_DISABLED = "User account is disabled.";
export const EMAIL_NOT_VERIFIED = "E-mail is not verified.";

/**
 * What every sign-in requires of the account, before a session or a second step: it is active, and its
 * address is verified when verification is mandatory (said only to whoever proved they hold the
 * account, so it reveals nothing about which accounts exist).
 */
export function assertMaySignIn(config: Config, user: UserRow) {
  if (!user.isActive) throw new NonFieldError(ACCOUNT_DISABLED);
  if (config.emailVerification === "mandatory" && !user.emailVerified) throw new NonFieldError(EMAIL_NOT_VERIFIED);
}

/**
 * The one place a session starts, whatever checked the credentials (a password, Google, a second
 * factor, a passkey, a registration): the rules every sign-in shares — the account is active, its
 * address verified when verification is mandatory — then the session row (with its `amr`), the last
 * login and the security event in one D1 batch, then the tokens.
 */
export async function startSession(deps: Deps, verified: VerifiedUser, client: ClientInfo): Promise<SignedIn> {
  const { db, config, clock } = deps;
  const { user } = verified.account;
  assertMaySignIn(config, user);
  const grant = newSessionGrant(config, clock.now(), verified.amr);
  const changes: UserChanges = { ...verified.userChanges, lastLogin: grant.now };
  const event = verified.event;
  await db.batch([
    recordNewSession(db, grant, user.id, client),
    updateUser(db, user.id, changes),
    ...(event ? [insertSecurityEvent(db, { userId: user.id, type: event, client }, grant.now)] : []),
    ...(verified.writes ?? []),
  ]);
  return {
    account: { ...verified.account, user: { ...user, ...changes } },
    tokens: await signSessionTokens(deps, grant, tokenSubject(verified.account)),
  };
}

/**
 * The answer to every sign-in, for the API and the console alike: the tokens go out as the session
 * cookies (and the CSRF cookie, for the frontend's next calls), and dj-rest-auth's login payload is
 * returned for the body.
 */
export function answerSignedIn(c: Context, signedIn: SignedIn): LoginPayload {
  setSessionCookies(c, signedIn.tokens);
  ensureCsrfCookie(c);
  return serializeLoginPayload(signedIn, requestVars(c).config.refreshOnlyInCookie);
}
