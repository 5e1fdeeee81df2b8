import type { ClientInfo } from "../client-info";
import { epochSeconds, secondsAfter } from "../clock";
import type { Config, Deps } from "../env";
import { NotFound, TokenInvalid } from "../errors";
import type { Database } from "../db/client";
import {
  insertSession,
  readRefreshState,
  listLiveSessions,
  revokeAllSessions,
  revokeSession,
  revokeSessionOnReuse,
  rotateSessionRefreshToken,
  type LiveSession,
} from "../db/sessions";
import { insertSecurityEvent, listSecurityEvents } from "../db/security-events";
import type { UserWithPlan } from "../db/users";
import { randomToken } from "../encoding";
import { readPage, type PageRequest } from "../pagination";
import type { Principal } from "./principal";
import { readToken, signToken, type AuthMethod } from "./tokens";

export interface SessionTokens {
  access: string;
  refresh: string;
  accessExpiration: Date;
  refreshExpiration: Date;
}

/** A session's tokens to sign: which session, which generation, issued when, ending when, started how. */
export interface RefreshGrant {
  sessionId: string;
  generation: number;
  now: Date;
  expiresAt: Date;
  amr: AuthMethod[];
}

export const INVALID_REFRESH = "Token is invalid or expired";

/** A new session's first grant, decided before the write that records it (so it joins the caller's batch). */
export function newSessionGrant(config: Config, now: Date, amr: AuthMethod[]): RefreshGrant {
  const lifetime = Math.min(config.refreshTokenLifetime, config.sessionMaxAge);
  return { sessionId: randomToken(), generation: 0, now, expiresAt: secondsAfter(now, lifetime), amr };
}

/** The statement that opens a new session (see `startSession`), for the caller's batch. */
export function recordNewSession(db: Database, grant: RefreshGrant, userId: number, client: ClientInfo) {
  return insertSession(db, {
    id: grant.sessionId,
    userId,
    refreshExpiresAt: grant.expiresAt,
    now: grant.now,
    amr: grant.amr,
    ...client,
  });
}

/** Who an access token speaks for, as other services read it: the user, its plan and staff flag. */
export function tokenSubject({ user, plan }: UserWithPlan) {
  return { userId: user.id, plan: plan?.name ?? null, isStaff: user.isStaff };
}

export type TokenSubject = ReturnType<typeof tokenSubject>;

export async function signSessionTokens(
  { config, tokens }: Pick<Deps, "config" | "tokens">,
  grant: RefreshGrant,
  subject: TokenSubject,
): Promise<SessionTokens> {
  const iat = epochSeconds(grant.now);
  const accessExpiration = secondsAfter(grant.now, config.accessTokenLifetime);
  const { userId } = subject;
  const base = { user_id: userId, sid: grant.sessionId, iat };
  const audience = config.jwtAudience === undefined ? {} : { aud: config.jwtAudience };
  const [access, refresh] = await Promise.all([
    signToken(
      {
        ...base,
        token_type: "access",
        jti: randomToken(),
        exp: epochSeconds(accessExpiration),
        amr: grant.amr,
        sub: String(userId),
        iss: config.jwtIssuer,
        ...audience,
        plan: subject.plan,
        is_staff: subject.isStaff,
      },
      tokens,
    ),
    signToken(
      {
        ...base,
        token_type: "refresh",
        jti: randomToken(),
        gen: grant.generation,
        exp: epochSeconds(grant.expiresAt),
      },
      tokens,
    ),
  ]);
  return { access, refresh, accessExpiration, refreshExpiration: grant.expiresAt };
}

/** The claims of a refresh token, checked against this deployment's keys and clock. */
export function readRefreshToken({ tokens, clock }: Pick<Deps, "tokens" | "clock">, token: string) {
  return readToken(token, { keys: tokens, type: "refresh", now: clock.now() }, INVALID_REFRESH);
}

export interface RefreshedSession {
  tokens: SessionTokens;
  sessionId: string;
  amr: AuthMethod[];
  /** The session's user and plan (the access token names its plan; a silent refresh serves the request with them). */
  account: UserWithPlan;
}

/**
 * Exchanges a refresh token for a fresh access token and the session's current refresh token: one D1
 * round trip when it rotates (the user and plan read in the same batch). The token
 * rotated away less than REFRESH_TOKEN_REUSE_INTERVAL_SECONDS ago is a concurrent request of the same
 * client (a page load fires several with the same cookie): it is served without rotating again, and
 * handed the current token, never its own (a second round trip). Any older token is being replayed:
 * its whole session ends (committed even though the request fails).
 */
export async function rotateRefreshToken(deps: Deps, token: string, client: ClientInfo): Promise<RefreshedSession> {
  const { db, config, clock } = deps;
  const claims = await readRefreshToken(deps, token);
  const presented = claims.gen ?? 0;
  const sessionId = claims.sid;
  const now = clock.now();
  const rotation = {
    sessionId,
    generation: presented,
    now,
    lifetime: config.refreshTokenLifetime,
    maxAge: config.sessionMaxAge,
  };
  const { rotated, account } = await rotateSessionRefreshToken(db, rotation);
  const current = rotated ?? (await concurrentRefresh(deps, sessionId, presented, now, client));
  if (current.userId !== claims.user_id || account?.user.id !== current.userId) throw new TokenInvalid(INVALID_REFRESH);
  const grant = { sessionId, generation: current.generation, now, expiresAt: current.expiresAt, amr: current.amr };
  return { tokens: await signSessionTokens(deps, grant, tokenSubject(account)), sessionId, amr: current.amr, account };
}

/**
 * A refresh token that did not rotate: the one rotated away within the reuse interval gets the session's
 * current state; any other of an older generation is reuse and ends the session; the rest is invalid.
 */
async function concurrentRefresh(
  { db, config }: Deps,
  sessionId: string,
  presented: number,
  now: Date,
  client: ClientInfo,
) {
  const state = await readRefreshState(db, sessionId, now);
  if (!state?.live) throw new TokenInvalid(INVALID_REFRESH);
  const graceSince = now.getTime() - config.refreshReuseInterval * 1000;
  const justRotated = state.rotatedAt !== null && state.rotatedAt.getTime() > graceSince;
  if (state.generation === presented + 1 && justRotated) return state;
  if (state.generation > presented && (await revokeSessionOnReuse(db, sessionId, presented, now))) {
    await insertSecurityEvent(db, { userId: state.userId, type: "refresh_token_reused", client }, now).run();
  }
  throw new TokenInvalid(INVALID_REFRESH);
}

export interface SessionListing {
  sessions: LiveSession[];
  currentId: string;
}

/** The caller's live logins, and which of them this request is. */
export async function listUserSessions({ db, clock }: Deps, principal: Principal): Promise<SessionListing> {
  return { sessions: await listLiveSessions(db, principal.user.id, clock.now()), currentId: principal.sessionId };
}

/** Ends one of the caller's sessions; another user's, or one already ended, is a 404. */
export async function endSession({ db, clock }: Deps, principal: Principal, sessionId: string, client: ClientInfo) {
  const now = clock.now();
  const userId = principal.user.id;
  if (!(await revokeSession(db, { id: sessionId, userId }, "revoked_by_user", now))) throw new NotFound();
  await insertSecurityEvent(db, { userId, type: "session_revoked", client }, now).run();
}

/** Ends every session of the caller, this one included. */
export async function endAllSessions({ db, clock }: Deps, principal: Principal, client: ClientInfo) {
  const now = clock.now();
  const userId = principal.user.id;
  await db.batch([
    revokeAllSessions(db, userId, "logout_all", now),
    insertSecurityEvent(db, { userId, type: "session_revoked", client }, now),
  ]);
}

/** One page of the caller's security events, newest first. */
export function securityEventPage({ db }: Deps, principal: Principal, page: PageRequest) {
  return readPage(page, (window) => listSecurityEvents(db, principal.user.id, window));
}
