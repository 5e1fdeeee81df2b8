import { and, desc, eq, gt, isNull, ne, sql, type SQL } from "drizzle-orm";
import type { AuthMethod } from "../auth/tokens";
import type { ClientInfo } from "../client-info";
import type { Database } from "./client";
import { plans, sessions, users } from "./schema";

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
  amr: AuthMethod[];
  /** A user id, or a subquery yielding it when the user is inserted in the same batch. */
  userId: number | SQL;
  refreshExpiresAt: Date;
  now: Date;
}

export function insertSession(db: Database, session: NewSession) {
  const { now, ...fields } = session;
  return db.insert(sessions).values({ ...fields, refreshGeneration: 0, createdAt: now, lastUsedAt: now });
}

export interface Rotation {
  sessionId: string;
  /** The generation of the refresh token presented. */
  generation: number;
  now: Date;
  /** The sliding lifetime, and the absolute cap from the session's creation, in seconds. */
  lifetime: number;
  maxAge: number;
}

/**
 * The compare-and-swap of a refresh: moves the session to the next generation only if the presented
 * one is current and the session live; its end slides, capped at creation + max age. The session's
 * user and plan are read in the same round trip (single-table reads on purpose: inside a D1 batch
 * Drizzle maps rows by column name, so a join would come back scrambled).
 */
export async function rotateSessionRefreshToken(db: Database, rotation: Rotation) {
  const { sessionId, generation, now } = rotation;
  const nextEnd = sql`min(${now.getTime() + rotation.lifetime * 1000}, ${sessions.createdAt} + ${rotation.maxAge * 1000})`;
  const rotate = db
    .update(sessions)
    .set({ refreshGeneration: generation + 1, refreshRotatedAt: now, refreshExpiresAt: nextEnd, lastUsedAt: now })
    .where(and(eq(sessions.id, sessionId), eq(sessions.refreshGeneration, generation), sessionIsLive(now)))
    .returning({
      userId: sessions.userId,
      generation: sessions.refreshGeneration,
      expiresAt: sessions.refreshExpiresAt,
      amr: sessions.amr,
    });
  const userOfSession = sql`(select ${sessions.userId} from ${sessions} where ${sessions.id} = ${sessionId})`;
  const [[rotated], [user], [plan]] = await db.batch([
    rotate,
    db.select().from(users).where(eq(users.id, userOfSession)),
    db
      .select()
      .from(plans)
      .where(eq(plans.id, sql`(select ${users.planId} from ${users} where ${users.id} = ${userOfSession})`)),
  ]);
  return { rotated, account: user ? { user, plan: plan ?? null } : undefined };
}

/** Where a session's refresh stands, for a token that did not rotate: was it current a moment ago? */
export function readRefreshState(db: Database, sessionId: string, now: Date) {
  return db
    .select({
      userId: sessions.userId,
      generation: sessions.refreshGeneration,
      rotatedAt: sessions.refreshRotatedAt,
      expiresAt: sessions.refreshExpiresAt,
      amr: sessions.amr,
      live: sql<number>`(${sessionIsLive(now)})`.mapWith(Boolean),
    })
    .from(sessions)
    .where(eq(sessions.id, sessionId))
    .get();
}

/** A replayed refresh token of an older generation ends its session. True when that happened now. */
export async function revokeSessionOnReuse(db: Database, sessionId: string, presentedGeneration: number, now: Date) {
  const result = await db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: "refresh_token_reused" })
    .where(
      and(eq(sessions.id, sessionId), gt(sessions.refreshGeneration, presentedGeneration), isNull(sessions.revokedAt)),
    )
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

/** Ends every live session of the user but one; with `condition`, only if it holds when the statement runs. */
export function revokeOtherSessions(
  db: Database,
  userId: number,
  keepSessionId: string,
  reason: string,
  now: Date,
  condition?: SQL,
) {
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId), isNull(sessions.revokedAt), condition));
}

/** Ends every live session of the user; with `condition`, only if it holds when the statement runs (in a batch). */
export function revokeAllSessions(db: Database, userId: number, reason: string, now: Date, condition?: SQL) {
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), condition));
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
    .orderBy(desc(sessions.lastUsedAt));
}

export type LiveSession = Awaited<ReturnType<typeof listLiveSessions>>[number];
