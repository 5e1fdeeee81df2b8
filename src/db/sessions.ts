import { and, desc, eq, gt, isNull, ne, sql, type SQL } from "drizzle-orm";
import type { ClientInfo } from "../client-info";
import type { Database } from "./client";
import { sessions, users } from "./schema";

/**
 * The one rule of a live session, used by every query that authenticates: not revoked, its refresh
 * token (the session's lifetime) unexpired, and its user active.
 */
export function sessionIsLive(now: Date): SQL {
  return and(
    isNull(sessions.revokedAt),
    gt(sessions.refreshExpiresAt, now),
    sql`exists (select 1 from ${users} where ${users.id} = ${sessions.userId} and ${users.isActive} = 1)`,
  ) as SQL;
}

export interface NewSession extends ClientInfo {
  id: string;
  /** A user id, or a subquery yielding it when the user is inserted in the same batch. */
  userId: number | SQL;
  refreshJtiHash: string;
  refreshExpiresAt: Date;
  now: Date;
}

export function insertSession(db: Database, session: NewSession) {
  const { now, ...fields } = session;
  return db.insert(sessions).values({ ...fields, createdAt: now, lastUsedAt: now });
}

/**
 * Rotates a session's refresh token, compare-and-swap: only if the presented token is the session's
 * current one and the session is live. Returns the user id when this call won.
 */
export async function rotateSessionRefreshToken(
  db: Database,
  rotation: { sessionId: string; presentedHash: string; nextHash: string; nextExpiresAt: Date; now: Date },
): Promise<number | undefined> {
  const row = await db
    .update(sessions)
    .set({ refreshJtiHash: rotation.nextHash, refreshExpiresAt: rotation.nextExpiresAt, lastUsedAt: rotation.now })
    .where(
      and(
        eq(sessions.id, rotation.sessionId),
        eq(sessions.refreshJtiHash, rotation.presentedHash),
        sessionIsLive(rotation.now),
      ),
    )
    .returning({ userId: sessions.userId })
    .get();
  return row?.userId;
}

/**
 * A well-signed refresh token of this session that is not its current one was rotated away before:
 * it is being replayed, so the session (the whole family) ends. True when that happened now.
 */
export async function revokeSessionOnReuse(db: Database, sessionId: string, presentedHash: string, now: Date) {
  const result = await db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: "refresh_token_reused" })
    .where(and(eq(sessions.id, sessionId), ne(sessions.refreshJtiHash, presentedHash), isNull(sessions.revokedAt)))
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

export function revokeAllSessions(db: Database, userId: number, reason: string, now: Date) {
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** A user's live sessions, most recently used first. */
export function listLiveSessions(db: Database, userId: number, now: Date) {
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      userAgent: sessions.userAgent,
      ip: sessions.ip,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), sessionIsLive(now)))
    .orderBy(desc(sessions.lastUsedAt))
    .all();
}

export type LiveSession = Awaited<ReturnType<typeof listLiveSessions>>[number];
