import { count, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { securityEvents } from "./schema";
import type { ClientInfo } from "../client-info";

export type SecurityEventType =
  | "login_succeeded"
  | "login_failed"
  | "logged_out"
  | "password_changed"
  | "password_reset_requested"
  | "password_reset_completed"
  | "refresh_token_reused"
  | "session_revoked"
  | "email_verified"
  | "email_changed"
  | "console_access_refused"
  | "data_exported"
  | "mfa_enabled"
  | "mfa_disabled"
  | "mfa_reset_by_staff"
  | "recovery_codes_regenerated"
  | "recovery_code_used"
  | "social_login"
  | "social_signup"
  | "social_connected"
  | "social_disconnected"
  | "passkey_added"
  | "passkey_removed"
  | "passkey_counter_regressed";

export function insertSecurityEvent(
  db: Database,
  event: { userId: number | null; type: SecurityEventType; client: ClientInfo },
  now: Date,
) {
  const { userId, type, client } = event;
  return db.insert(securityEvents).values({ userId, type, ip: client.ip, userAgent: client.userAgent, createdAt: now });
}

/** The event, written only if `condition` holds when its turn in the batch comes. */
export function insertSecurityEventIf(
  db: Database,
  event: { userId: number; type: SecurityEventType; client: ClientInfo },
  now: Date,
  condition: SQL,
) {
  const { userId, type, client } = event;
  // Drizzle's INSERT … SELECT names every column in table order: id (null: the next one) first.
  return db
    .insert(securityEvents)
    .select(
      sql`select null, ${userId}, ${type}, ${client.ip}, ${client.userAgent}, ${now.getTime()} where ${condition}`,
    );
}

/** A user's events, newest first (limit it). */
export function selectSecurityEvents(db: Database, userId: number) {
  return db
    .select()
    .from(securityEvents)
    .where(eq(securityEvents.userId, userId))
    .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id));
}

/** One page of a user's events, newest first, and how many there are in all. */
export async function listSecurityEvents(db: Database, userId: number, page: { offset: number; limit: number }) {
  const [rows, [total]] = await db.batch([
    selectSecurityEvents(db, userId).limit(page.limit).offset(page.offset),
    db.select({ total: count() }).from(securityEvents).where(eq(securityEvents.userId, userId)),
  ]);
  return { rows, total: total?.total ?? 0 };
}
