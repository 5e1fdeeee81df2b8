import type { SQL } from "drizzle-orm";
import type { Config } from "../env";
import { TokenInvalid } from "../errors";
import type { Database } from "../db/client";
import { type ClientInfo, insertSession, revokeSessionOnReuse, rotateSessionRefreshToken } from "../db/sessions";
import { insertSecurityEvent } from "../db/security-events";
import { randomToken, sha256Hex } from "./encoding";
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

export async function planRefresh(config: Config, sessionId: string = randomToken()): Promise<PendingRefresh> {
  const now = new Date();
  const jti = randomToken();
  return {
    sessionId,
    jti,
    jtiHash: await sha256Hex(jti),
    now,
    expiresAt: new Date(now.getTime() + config.refreshTokenLifetime * 1000),
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
  const iat = Math.floor(pending.now.getTime() / 1000);
  const accessExpiration = new Date(pending.now.getTime() + config.accessTokenLifetime * 1000);
  const base = { user_id: userId, sid: pending.sessionId, iat };
  const [access, refresh] = await Promise.all([
    signToken(
      { ...base, token_type: "access", jti: randomToken(), exp: Math.floor(accessExpiration.getTime() / 1000) },
      config.jwtSecret,
    ),
    signToken(
      { ...base, token_type: "refresh", jti: pending.jti, exp: Math.floor(pending.expiresAt.getTime() / 1000) },
      config.jwtSecret,
    ),
  ]);
  return { access, refresh, accessExpiration, refreshExpiration: pending.expiresAt };
}

/**
 * Exchanges a refresh token for a new pair in one D1 round trip. The old token stops working; replaying
 * a token that was already exchanged ends its whole session (every token descended from that login),
 * and that revocation is committed even though the request fails.
 */
export async function rotateRefreshToken(
  db: Database,
  config: Config,
  token: string,
  client: ClientInfo,
): Promise<SessionTokens> {
  const claims = await readToken(token, config.jwtSecret, "refresh", INVALID_REFRESH);
  const presentedHash = await sha256Hex(claims.jti);
  const next = await planRefresh(config, claims.sid);
  const userId = await rotateSessionRefreshToken(db, {
    sessionId: claims.sid,
    presentedHash,
    nextHash: next.jtiHash,
    nextExpiresAt: next.expiresAt,
    now: next.now,
  });
  if (userId === undefined) {
    if (await revokeSessionOnReuse(db, claims.sid, presentedHash, next.now)) {
      await insertSecurityEvent(db, { userId: claims.user_id, type: "refresh_token_reused", client }).run();
    }
    throw new TokenInvalid(INVALID_REFRESH);
  }
  return signSessionTokens(config, next, userId);
}
