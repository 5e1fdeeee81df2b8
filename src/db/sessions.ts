import { and, desc, eq, exists, gt, inArray, isNotNull, isNull, ne, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { refreshTokens, sessions, users } from "./schema";

/** What is recorded about the client behind a request (sessions, security events). */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

export interface NewSession extends ClientInfo {
  id: string;
  /** A user id, or a subquery yielding it when the user is inserted in the same batch. */
  userId: number | SQL;
  now: Date;
}

export function insertSession(db: Database, session: NewSession) {
  const { id, userId, userAgent, ip, now } = session;
  return db.insert(sessions).values({ id, userId, userAgent, ip, createdAt: now, lastUsedAt: now });
}

export function insertRefreshToken(
  db: Database,
  token: { jtiHash: string; sessionId: string; createdAt: Date; expiresAt: Date },
) {
  return db.insert(refreshTokens).values(token);
}

export function touchSession(db: Database, sessionId: string, now: Date) {
  return db.update(sessions).set({ lastUsedAt: now }).where(eq(sessions.id, sessionId));
}

/**
 * Marks a refresh token used, compare-and-swap: only an unused, unexpired token of a live session of
 * an active user is claimed. Returns the session id when this call won the claim.
 */
export async function claimRefreshToken(db: Database, jtiHash: string, now: Date): Promise<string | undefined> {
  const liveSession = db
    .select({ one: sql`1` })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, refreshTokens.sessionId), isNull(sessions.revokedAt), eq(users.isActive, true)));
  const row = await db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(refreshTokens.jtiHash, jtiHash),
        isNull(refreshTokens.usedAt),
        gt(refreshTokens.expiresAt, now),
        exists(liveSession),
      ),
    )
    .returning({ sessionId: refreshTokens.sessionId })
    .get();
  return row?.sessionId;
}

/** A token that was already rotated away is being replayed: end its whole session (family). */
export async function revokeSessionOfReusedToken(db: Database, jtiHash: string, now: Date): Promise<boolean> {
  const sessionOfUsedToken = db
    .select({ id: refreshTokens.sessionId })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.jtiHash, jtiHash), isNotNull(refreshTokens.usedAt)));
  const result = await db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: "refresh_token_reused" })
    .where(and(inArray(sessions.id, sessionOfUsedToken), isNull(sessions.revokedAt)))
    .run();
  return result.meta.changes > 0;
}

/** Ends one session of a user. False when it was not live (already ended, or not theirs). */
export async function revokeSession(
  db: Database,
  session: { id: string; userId: number },
  reason: string,
  now: Date,
): Promise<boolean> {
  const result = await db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, session.id), eq(sessions.userId, session.userId), isNull(sessions.revokedAt)))
    .run();
  return result.meta.changes > 0;
}

export function revokeOtherSessions(db: Database, userId: number, keepSessionId: string, reason: string, now: Date) {
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId), isNull(sessions.revokedAt)));
}

/** A user's live sessions (not revoked, holding an unexpired refresh token), newest first. */
export function listLiveSessions(db: Database, userId: number, now: Date) {
  const liveRefresh = db
    .select({ one: sql`1` })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.sessionId, sessions.id), isNull(refreshTokens.usedAt), gt(refreshTokens.expiresAt, now)));
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      userAgent: sessions.userAgent,
      ip: sessions.ip,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), exists(liveRefresh)))
    .orderBy(desc(sessions.lastUsedAt))
    .all();
}

export function revokeAllSessions(db: Database, userId: number, reason: string, now: Date) {
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}
