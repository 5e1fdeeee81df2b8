import { and, count, desc, eq, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Database } from "./client";
import { auditLog, type AuditRow } from "./schema";

/** What an entry is about; a plan inserted in the same batch is named by a subquery. */
export interface AuditTarget {
  type: AuditRow["targetType"];
  id: number | SQL;
}

export interface AuditEntry {
  actor: { id: number; username: string };
  action: string;
  target: AuditTarget;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** The entry for one admin write: put it in the same batch as the write, so neither lands alone. */
export function insertAuditEntry(db: Database, entry: AuditEntry, now: Date) {
  return db.insert(auditLog).values({
    actorId: entry.actor.id,
    actorUsername: entry.actor.username,
    action: entry.action,
    targetType: entry.target.type,
    targetId: entry.target.id,
    before: entry.before ?? null,
    after: entry.after ?? null,
    createdAt: now,
  });
}

/** True when the statement just before, in the same batch, changed a row: a guarded write happened. */
export const previousStatementChanged = sql`changes() > 0`;

/**
 * The entry, written only if `condition` holds when its turn in the batch comes (e.g. `changes() > 0`:
 * the statement before it changed a row), so a guarded write that did nothing records nothing.
 */
export function insertAuditEntryIf(db: Database, entry: AuditEntry, now: Date, condition: SQL) {
  const json = (value: Record<string, unknown> | null | undefined) => (value ? JSON.stringify(value) : null);
  // Drizzle's INSERT … SELECT names every column in table order: id (null: the next one) first.
  return db.insert(auditLog).select(
    sql`select null, ${entry.actor.id}, ${entry.actor.username}, ${entry.action}, ${entry.target.type},
      ${entry.target.id}, ${json(entry.before)}, ${json(entry.after)}, ${now.getTime()} where ${condition}`,
  );
}

type AuditSubject = { type: AuditRow["targetType"]; id: number } | undefined;

const aboutSubject = (target: AuditSubject) =>
  target ? and(eq(auditLog.targetType, target.type), eq(auditLog.targetId, target.id)) : undefined;

/** Entries newest first — every entry, or those about one object (limit it). */
export function selectAuditEntries(db: Database, target: AuditSubject) {
  return db.select().from(auditLog).where(aboutSubject(target)).orderBy(desc(auditLog.id));
}

/** A page of entries, newest first — every entry, or those about one object — and how many there are. */
export async function listAuditEntries(db: Database, target: AuditSubject, page: { offset: number; limit: number }) {
  const [rows, [total]] = await db.batch([
    selectAuditEntries(db, target).limit(page.limit).offset(page.offset),
    db.select({ total: count() }).from(auditLog).where(aboutSubject(target)),
  ]);
  return { rows, total: total?.total ?? 0 };
}

/** The fields of a user entry that are personal data: blanked when the user is deleted. */
export const PERSONAL_AUDIT_FIELDS = ["username", "email", "first_name", "last_name", "date_of_birth"] as const;

/** Blanks the personal fields in the before/after of every entry about this user (deletion). */
export function redactUserAuditEntries(db: Database, userId: number) {
  const paths = PERSONAL_AUDIT_FIELDS.flatMap((field) => [sql.raw(`'$.${field}'`), sql`'[deleted]'`]);
  const redact = (column: SQLWrapper) => sql`json_replace(${column}, ${sql.join(paths, sql`, `)})`;
  return db
    .update(auditLog)
    .set({ before: redact(auditLog.before), after: redact(auditLog.after) })
    .where(and(eq(auditLog.targetType, "user"), eq(auditLog.targetId, userId)));
}
