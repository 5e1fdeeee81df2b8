import type { ClientInfo } from "../../client-info";
import type { Deps } from "../../env";
import { NonFieldError, NotFound, SocialTokenRefused, ValidationError } from "../../errors";
import {
  countOtherIdentities,
  deleteIdentity,
  findLinkedAccount,
  insertIdentity,
  listIdentities,
  selectIdentity,
  touchIdentity,
} from "../../db/identities";
import type { LinkedIdentityRow } from "../../db/schema";
import { insertSecurityEvent } from "../../db/security-events";
import { findTakenIdentifiers, findUserForLogin } from "../../db/users";
import { createAccount } from "../../accounts/create";
import { beginSignIn, type SignInOutcome } from "../mfa/sign-in-step";
import { hasUsablePassword } from "../password";
import type { Principal } from "../principal";
import { ACCOUNT_DISABLED } from "../sign-in";
import type { GoogleIdentity } from "./client";

export const GOOGLE = "google";
export const EMAIL_TAKEN = "User is already registered with this e-mail address.";
export const CONNECTED_ELSEWHERE = "The social account is already connected to a different account.";

/** What a client may send (dj-rest-auth's SocialLoginSerializer): an ID token, an access token, or a code. */
export interface GoogleCredentials {
  id_token?: string;
  access_token?: string;
  code?: string;
}

/**
 * Who Google says the caller is: a code exchanged for its ID token (with `redirectUri`), an ID token
 * verified, or an access token that tokeninfo says is ours (an ID token sent with it is verified
 * instead, the stronger of the two).
 */
export async function googleIdentityOf(
  { google, clock }: Deps,
  credentials: GoogleCredentials,
  redirectUri: string,
): Promise<GoogleIdentity> {
  google.ensureConfigured();
  if (credentials.code)
    return google.verifyIdToken(await google.exchangeCode(credentials.code, redirectUri), clock.now());
  if (credentials.id_token) return google.verifyIdToken(credentials.id_token, clock.now());
  if (credentials.access_token) return google.identityFromAccessToken(credentials.access_token);
  throw new NonFieldError("Incorrect input. access_token or code is required.");
}

/** A username for a new account from the address's local part, made valid and unused (`ada`, `ada2`…). */
async function freeUsername(deps: Deps, email: string): Promise<string> {
  const local = (email.split("@")[0] ?? "").normalize("NFKC").replace(/[^\p{L}\p{M}\p{N}_.+-]/gu, "");
  const base = (local || "user").slice(0, 140);
  for (let n = 1; n <= 20; n++) {
    const candidate = n === 1 ? base : `${base}${n}`;
    if (!(await findTakenIdentifiers(deps.db, { username: candidate })).username) return candidate;
  }
  return `${base}${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Signs in with a Google identity (allauth's rules, safer): a linked identity signs its user in (a
 * deactivated one is refused); a new identity whose address no account has makes a new account (no
 * password, names from Google, the address verified when Google says so); a new identity whose address
 * an account has is refused — unless SOCIALACCOUNT_EMAIL_AUTHENTICATION, Google vouches for the address
 * and the account verified it too: then it is linked. Two-factor, when on, is the usual second step.
 */
export async function signInWithGoogle(
  deps: Deps,
  identity: GoogleIdentity,
  client: ClientInfo,
): Promise<SignInOutcome> {
  const { db, config, clock } = deps;
  const now = clock.now();
  const linked = await findLinkedAccount(db, GOOGLE, identity.sub);
  if (linked) {
    if (!linked.user.isActive) throw new NonFieldError(ACCOUNT_DISABLED);
    await touchIdentity(db, linked.identity.id, now).run();
    const account = { user: linked.user, plan: linked.plan };
    return beginSignIn(
      deps,
      { account, amr: [GOOGLE], event: "social_login", secondFactor: linked.secondFactor },
      client,
    );
  }
  if (!identity.email) throw new SocialTokenRefused();
  const owner = await findUserForLogin(db, { email: identity.email });
  if (owner) {
    const vouched = config.google.emailAuthentication && identity.emailVerified && owner.user.emailVerified;
    if (!vouched) throw new NonFieldError(EMAIL_TAKEN);
    if (!owner.user.isActive) throw new NonFieldError(ACCOUNT_DISABLED);
    await db.batch([
      insertIdentity(db, { userId: owner.user.id, provider: GOOGLE, uid: identity.sub, now }),
      insertSecurityEvent(db, { userId: owner.user.id, type: "social_connected", client }, now),
    ]);
    const account = { user: owner.user, plan: owner.plan };
    return beginSignIn(
      deps,
      { account, amr: [GOOGLE], event: "social_login", secondFactor: owner.secondFactor },
      client,
    );
  }
  const account = await createAccount(deps, {
    username: await freeUsername(deps, identity.email),
    email: identity.email,
    password: null,
    firstName: identity.givenName.slice(0, 150),
    lastName: identity.familyName.slice(0, 150),
    emailVerified: identity.emailVerified,
  });
  await insertIdentity(db, { userId: account.user.id, provider: GOOGLE, uid: identity.sub, now }).run();
  return beginSignIn(deps, { account, amr: [GOOGLE], event: "social_signup" }, client);
}

/** Links a Google identity to the signed-in user; one linked to another account is refused. */
export async function connectGoogle(
  deps: Deps,
  principal: Principal,
  identity: GoogleIdentity,
  client: ClientInfo,
): Promise<LinkedIdentityRow> {
  const { db, clock } = deps;
  const linked = await findLinkedAccount(db, GOOGLE, identity.sub);
  if (linked && linked.user.id !== principal.user.id) throw new NonFieldError(CONNECTED_ELSEWHERE);
  if (linked) return linked.identity;
  const now = clock.now();
  const [[row]] = await db.batch([
    insertIdentity(db, { userId: principal.user.id, provider: GOOGLE, uid: identity.sub, now }),
    insertSecurityEvent(db, { userId: principal.user.id, type: "social_connected", client }, now),
  ]);
  if (!row) throw new Error("the linked identity was not returned");
  return row;
}

export function listSocialAccounts({ db }: Deps, userId: number) {
  return listIdentities(db, userId);
}

/** Why an identity may not be unlinked: the account would have no way left to sign in. */
const LAST_SIGN_IN_METHOD =
  "This is your last way to sign in: set a password first (a password reset works for this account), or link another account.";

/**
 * Unlinks an identity of the user — never the last way to sign in (no usable password, no other
 * identity); another user's identity is a 404. Answers the removed row.
 */
export async function disconnectSocialAccount(
  deps: Deps,
  user: Principal["user"],
  identityId: number,
  client: ClientInfo,
): Promise<LinkedIdentityRow> {
  const { db, clock } = deps;
  const identity = await selectIdentity(db, user.id, identityId);
  if (!identity) throw new NotFound();
  if (!hasUsablePassword(user.passwordHash) && (await countOtherIdentities(db, user.id, identityId)) === 0) {
    throw new ValidationError({ non_field_errors: [LAST_SIGN_IN_METHOD] });
  }
  const removed = await deleteIdentity(db, user.id, identityId);
  if (!removed) throw new NotFound();
  await insertSecurityEvent(db, { userId: user.id, type: "social_disconnected", client }, clock.now()).run();
  return removed;
}
