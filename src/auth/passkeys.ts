import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { decodeClientDataJSON } from "@simplewebauthn/server/helpers";
import type { ClientInfo } from "../client-info";
import { secondsAfter } from "../clock";
import type { Deps } from "../env";
import { NonFieldError, NotFound, ValidationError } from "../errors";
import { countOtherIdentitiesOfUser } from "../db/identities";
import {
  countOtherPasskeys,
  deletePasskey,
  insertChallenge,
  insertPasskey,
  listPasskeys,
  passkeyAccountReads,
  recordPasskeyUse,
  renamePasskey,
  selectPasskey,
  selectWebauthnHandle,
  setWebauthnHandle,
  useChallenge,
  type ChallengePurpose,
} from "../db/passkeys";
import type { PasskeyRow, UserRow } from "../db/schema";
import { insertSecurityEvent } from "../db/security-events";
import { uniqueViolationTarget } from "../db/client";
import { base64UrlToBytes, bytesToBase64Url, randomBytes, randomToken, sha256Hex } from "../encoding";
import { hasUsablePassword } from "./password";
import type { Principal } from "./principal";
import { mailUser } from "./recovery";
import { startSession } from "./sign-in";

/** How long a ceremony may take, from its options to its answer. */
const CHALLENGE_LIFETIME_SECONDS = 300;
/** ES256, EdDSA, RS256: what every platform and security key offers. */
const ALGORITHMS = [-7, -8, -257];
export const PASSKEY_SIGN_IN_FAILED = "Passkey sign-in failed.";
const MAX_NAME = 64;

/** A fresh challenge for one ceremony, stored (hashed) with its purpose, user and pending sign-in. */
async function issueChallenge(
  { db, clock }: Deps,
  purpose: ChallengePurpose,
  userId: number | null,
  pendingSignIn?: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = randomBytes(32);
  const now = clock.now();
  await insertChallenge(db, {
    challengeHash: await sha256Hex(bytesToBase64Url(bytes)),
    purpose,
    userId,
    pendingSignIn: pendingSignIn ?? null,
    createdAt: now,
    expiresAt: secondsAfter(now, CHALLENGE_LIFETIME_SECONDS),
  }).run();
  return bytes;
}

/**
 * The check the library runs on the challenge an answer carries: it must be one this server issued for
 * this purpose (and user, and pending sign-in), unexpired, and it is used up here — never trusted from
 * the client's own JSON.
 */
function issuedChallenge(
  { db, clock }: Deps,
  purpose: ChallengePurpose,
  userId: number | null,
  pendingSignIn?: string,
) {
  return async (challenge: string) => {
    const used = await useChallenge(
      db,
      { hash: await sha256Hex(challenge), purpose, userId, pendingSignIn },
      clock.now(),
    );
    return used.length > 0;
  };
}

/** The challenge an answer says it signs (the library then checks the answer against exactly that). */
function claimedChallenge(credential: AuthenticationResponseJSON): string | undefined {
  try {
    const { challenge } = decodeClientDataJSON(credential.response.clientDataJSON) as { challenge?: unknown };
    return typeof challenge === "string" ? challenge : undefined;
  } catch {
    // Not base64url JSON: an answer no browser sends, refused like any other.
    return undefined;
  }
}

/** The user's opaque passkey handle (WebAuthn's user.id): random, never the id or the address. */
async function webauthnHandle({ db }: Deps, userId: number): Promise<string> {
  const current = await selectWebauthnHandle(db, userId);
  if (current?.handle) return current.handle;
  await setWebauthnHandle(db, userId, bytesToBase64Url(randomBytes(32))).run();
  const made = await selectWebauthnHandle(db, userId);
  if (!made?.handle) throw new Error("the passkey handle was not stored");
  return made.handle;
}

const transportsOf = (row: PasskeyRow) => row.transports as AuthenticatorTransport[];

/** Options for `navigator.credentials.create()`: a discoverable credential, the user's own excluded. */
export async function passkeyRegistrationOptions(
  deps: Deps,
  principal: Principal,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { config, db } = deps;
  const { user } = principal;
  const [handle, existing, challenge] = await Promise.all([
    webauthnHandle(deps, user.id),
    listPasskeys(db, user.id),
    issueChallenge(deps, "register", user.id),
  ]);
  return generateRegistrationOptions({
    rpName: config.webauthn.rpName,
    rpID: config.webauthn.rpId,
    userName: user.username,
    userDisplayName: [user.firstName, user.lastName].filter(Boolean).join(" ") || user.username,
    userID: base64UrlToBytes(handle),
    challenge,
    timeout: CHALLENGE_LIFETIME_SECONDS * 1000,
    attestationType: "none",
    excludeCredentials: existing.map((row) => ({ id: row.credentialId, transports: transportsOf(row) })),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/**
 * Registers a passkey: the answer to this user's registration challenge, checked by the library against
 * the expected challenge, origins and RP ID (`webauthn.create`, the RP ID hash, user presence; user
 * verification preferred, not required). A credential already registered is refused; nothing is stored
 * for a refusal. Records `passkey_added`; the mail is returned for after the answer.
 */
export async function registerPasskey(
  deps: Deps,
  principal: Principal,
  input: { name?: string; credential: RegistrationResponseJSON },
  client: ClientInfo,
) {
  const { db, config, clock } = deps;
  const { user } = principal;
  const refused = () => new ValidationError({ credential: ["This passkey could not be registered: try again."] });
  const verification = await verifyRegistrationResponse({
    response: input.credential,
    expectedChallenge: issuedChallenge(deps, "register", user.id),
    expectedOrigin: config.webauthn.origins,
    expectedRPID: config.webauthn.rpId,
    requireUserVerification: false,
    supportedAlgorithmIDs: ALGORITHMS,
  }).catch(() => undefined);
  if (!verification?.verified) throw refused();
  const { credential, credentialBackedUp } = verification.registrationInfo;
  const now = clock.now();
  const existing = await listPasskeys(db, user.id);
  const [[row]] = await db
    .batch([
      insertPasskey(db, {
        id: randomToken(),
        userId: user.id,
        credentialId: credential.id,
        publicKey: bytesToBase64Url(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ?? [],
        backedUp: credentialBackedUp,
        name: (input.name?.trim() || `Passkey ${existing.length + 1}`).slice(0, MAX_NAME),
        createdAt: now,
      }),
      insertSecurityEvent(db, { userId: user.id, type: "passkey_added", client }, now),
    ])
    .catch((error: unknown) => {
      if (uniqueViolationTarget(error) === "passkeys.credential_id") {
        throw new ValidationError({ credential: ["This passkey is already registered."] });
      }
      throw error;
    });
  if (!row) throw new Error("the passkey was not returned");
  return { passkey: row, followUp: passkeyMail(deps, user, "A passkey was added to your account", row.name) };
}

function passkeyMail(deps: Deps, user: UserRow, subject: string, name: string) {
  return mailUser(deps, user, user.email, subject, [
    `${subject}: "${name}".`,
    "If this was not you, reset your password at once and contact us.",
  ]);
}

export function passkeysOf({ db }: Deps, userId: number) {
  return listPasskeys(db, userId);
}

export async function renamePasskeyOf({ db }: Deps, userId: number, id: string, name: string) {
  const row = await renamePasskey(db, userId, id, name.trim().slice(0, MAX_NAME));
  if (!row) throw new NotFound();
  return row;
}

/**
 * Removes a passkey of the user — never the last way to sign in (no usable password, no linked account,
 * no other passkey); another user's is a 404. Records `passkey_removed`; the mail is returned.
 */
export async function removePasskey(deps: Deps, user: UserRow, id: string, client: ClientInfo) {
  const { db, clock } = deps;
  const [passkey, others, identities] = await Promise.all([
    selectPasskey(db, user.id, id),
    countOtherPasskeys(db, user.id, id),
    countOtherIdentitiesOfUser(db, user.id),
  ]);
  if (!passkey) throw new NotFound();
  if (!hasUsablePassword(user.passwordHash) && others === 0 && identities === 0) {
    throw new ValidationError({
      non_field_errors: [
        "This is your last way to sign in: set a password first (a password reset works for this account), or add another passkey.",
      ],
    });
  }
  const removed = await deletePasskey(db, user.id, id);
  if (!removed) throw new NotFound();
  await insertSecurityEvent(db, { userId: user.id, type: "passkey_removed", client }, clock.now()).run();
  return { removed, followUp: passkeyMail(deps, user, "A passkey was removed from your account", removed.name) };
}

/** Options for `navigator.credentials.get()`; `allowCredentials` empty (discoverable) unless a user is known. */
async function authenticationOptions(
  deps: Deps,
  challenge: Uint8Array<ArrayBuffer>,
  allow: PasskeyRow[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: deps.config.webauthn.rpId,
    challenge,
    timeout: CHALLENGE_LIFETIME_SECONDS * 1000,
    userVerification: "preferred",
    allowCredentials: allow.map((row) => ({ id: row.credentialId, transports: transportsOf(row) })),
  });
}

/** Options for a passwordless sign-in: a fresh challenge, no user named. */
export async function passkeySignInOptions(deps: Deps) {
  return authenticationOptions(deps, await issueChallenge(deps, "login", null), []);
}

/** Options for the MFA step with a passkey: the pending sign-in's user's passkeys only. */
export async function passkeySecondFactorOptions(deps: Deps, userId: number, pendingSignIn: string) {
  const [challenge, allow] = await Promise.all([
    issueChallenge(deps, "mfa", userId, pendingSignIn),
    listPasskeys(deps.db, userId),
  ]);
  return authenticationOptions(deps, challenge, allow);
}

/**
 * A passkey's answer to a challenge of this purpose, checked: a challenge this server issued for it (used
 * up here, in the one round trip that also finds the credential), a registered credential (of `userId`,
 * when one is expected), the library's checks against that challenge, origins and RP ID
 * (`webauthn.get`, user presence, the signature), and the user handle. A signature counter that does
 * not increase (unless it stays 0, as synced passkeys do) is refused and recorded as
 * `passkey_counter_regressed`. Every refusal is the same `Passkey sign-in failed.` The answer carries
 * the write that records the use, for the caller's batch.
 */
export async function verifyPasskey(
  deps: Deps,
  credential: AuthenticationResponseJSON,
  expected: { purpose: ChallengePurpose; userId: number | null; pendingSignIn?: string },
  client: ClientInfo,
) {
  const { db, config, clock } = deps;
  const failed = () => new NonFieldError(PASSKEY_SIGN_IN_FAILED);
  const challenge = claimedChallenge(credential);
  if (challenge === undefined) throw failed();
  const now = clock.now();
  const { purpose, userId, pendingSignIn } = expected;
  const [used, [passkey], [user], [plan]] = await db.batch([
    useChallenge(db, { hash: await sha256Hex(challenge), purpose, userId, pendingSignIn }, now),
    ...passkeyAccountReads(db, credential.id),
  ]);
  if (used.length === 0 || !passkey || !user || (userId !== null && user.id !== userId)) throw failed();
  const verification = await verifyAuthenticationResponse({
    response: credential,
    expectedChallenge: challenge,
    expectedOrigin: config.webauthn.origins,
    expectedRPID: config.webauthn.rpId,
    // The counter is checked below, after the signature: a regression is recorded only when it is real.
    credential: {
      id: passkey.credentialId,
      publicKey: base64UrlToBytes(passkey.publicKey),
      counter: 0,
      transports: transportsOf(passkey),
    },
    requireUserVerification: false,
  }).catch(() => undefined);
  if (!verification?.verified) throw failed();
  const handle = credential.response.userHandle;
  if (handle !== undefined && handle !== null && handle !== user.webauthnHandle) throw failed();
  const { newCounter, credentialBackedUp } = verification.authenticationInfo;
  if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) {
    await insertSecurityEvent(db, { userId: user.id, type: "passkey_counter_regressed", client }, now).run();
    throw failed();
  }
  return {
    account: { user, plan: plan ?? null },
    recordUse: recordPasskeyUse(db, passkey, newCounter, credentialBackedUp, now),
  };
}

/**
 * Passwordless sign-in: a passkey's answer to a sign-in challenge (see `verifyPasskey`); a deactivated
 * account is refused like any other failure. No second step: a passkey is already two factors.
 */
export async function signInWithPasskey(deps: Deps, credential: AuthenticationResponseJSON, client: ClientInfo) {
  const { account, recordUse } = await verifyPasskey(deps, credential, { purpose: "login", userId: null }, client);
  if (!account.user.isActive) throw new NonFieldError(PASSKEY_SIGN_IN_FAILED);
  return startSession(deps, { account, amr: ["webauthn"], event: "login_succeeded", writes: [recordUse] }, client);
}
