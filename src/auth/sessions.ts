import type { SQL } from "drizzle-orm";
import type { ClientInfo } from "../client-info";
import { epochSeconds, secondsAfter } from "../clock";
import type { Config, Deps } from "../env";
import { NotFound, TokenInvalid } from "../errors";
import type { Database } from "../db/client";
import {
  insertSession,
  listLiveSessions,
  revokeAllSessions,
  revokeSession,
  revokeSessionOnReuse,
  rotateSessionRefreshToken,
  type LiveSession,
} from "../db/sessions";
import { insertSecurityEvent, listSecurityEvents } from "../db/security-events";
import { randomToken, sha256Hex } from "../encoding";
import type { Principal } from "./principal";
import { readToken, signToken } from "./tokens";

export interface SessionTokens {
  access: string;
  refresh: string;
  accessExpiration: Date;
  refreshExpiration: Date;
}

/**
 * A session's next refresh token, decided before the write that records it, so the write can go in
 * the same D1 batch as the rest of the request's changes and the tokens are signed only once it lands.
 */
export interface PendingRefresh {
  sessionId: string;
  jti: string;
  jtiHash: string;
  now: Date;
  expiresAt: Date;
}

export const INVALID_REFRESH = "Token is invalid or expired";

export async function planRefresh(
  config: Config,
  now: Date,
  sessionId: string = randomToken(),
): Promise<PendingRefresh> {
  const jti = randomToken();
  return {
    sessionId,
    jti,
    jtiHash: await sha256Hex(jti),
    now,
    expiresAt: secondsAfter(now, config.refreshTokenLifetime),
  };
}

/** The statement that opens a new session (login, registration), for the caller's batch. */
export function recordNewSession(db: Database, pending: PendingRefresh, userId: number | SQL, client: ClientInfo) {
  return insertSession(db, {
    id: pending.sessionId,
    userId,
    refreshJtiHash: pending.jtiHash,
    refreshExpiresAt: pending.expiresAt,
    now: pending.now,
    ...client,
  });
}

export async function signSessionTokens(
  config: Config,
  pending: PendingRefresh,
  userId: number,
): Promise<SessionTokens> {
  const iat = epochSeconds(pending.now);
  const accessExpiration = secondsAfter(pending.now, config.accessTokenLifetime);
  const base = { user_id: userId, sid: pending.sessionId, iat };
  const [access, refresh] = await Promise.all([
    signToken(
      { ...base, token_type: "access", jti: randomToken(), exp: epochSeconds(accessExpiration) },
      config.jwtSecret,
    ),
    signToken(
      { ...base, token_type: "refresh", jti: pending.jti, exp: epochSeconds(pending.expiresAt) },
      config.jwtSecret,
    ),
  ]);
  return { access, refresh, accessExpiration, refreshExpiration: pending.expiresAt };
}

/** The claims of a refresh token, checked against this deployment's secret and clock. */
export function readRefreshToken({ config, clock }: Pick<Deps, "config" | "clock">, token: string) {
  return readToken(token, { secret: config.jwtSecret, type: "refresh", now: clock.now() }, INVALID_REFRESH);
}

/**
 * Exchanges a refresh token for a new pair in one D1 round trip. The old token stops working; replaying
 * a token that was already exchanged ends its whole session (every token descended from that login),
 * and that revocation is committed even though the request fails.
 */
export async function rotateRefreshToken(deps: Deps, token: string, client: ClientInfo): Promise<SessionTokens> {
  const { db, config, clock } = deps;
  const claims = await readRefreshToken(deps, token);
  const presentedHash = await sha256Hex(claims.jti);
  const next = await planRefresh(config, clock.now(), claims.sid);
  const userId = await rotateSessionRefreshToken(db, {
    sessionId: claims.sid,
    presentedHash,
    nextHash: next.jtiHash,
    nextExpiresAt: next.expiresAt,
    now: next.now,
  });
  if (userId === undefined) {
    if (await revokeSessionOnReuse(db, claims.sid, presentedHash, next.now)) {
      await insertSecurityEvent(db, { userId: claims.user_id, type: "refresh_token_reused", client }, next.now).run();
    }
    throw new TokenInvalid(INVALID_REFRESH);
  }
  return signSessionTokens(config, next, userId);
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

/** One page of the caller's security events; a page past the last is a 404, as in DRF. */
export async function securityEventPage({ db }: Deps, principal: Principal, page: { number: number; size: number }) {
  const { rows, total } = await listSecurityEvents(db, principal.user.id, {
    offset: (page.number - 1) * page.size,
    limit: page.size,
  });
  if (page.number > 1 && rows.length === 0) throw new NotFound();
  return { rows, total, ...page };
}

export type SecurityEventPage = Awaited<ReturnType<typeof securityEventPage>>;
