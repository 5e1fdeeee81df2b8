import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";

/** A quota as the counter applies it; `limit: null` counts without limiting (a scope the plan does not list). */
export interface Quota {
  scope: string;
  limit: number | null;
  windowSeconds: number;
}

export interface Usage {
  scope: string;
  limit: number | null;
  used: number;
  remaining: number | null;
  /** Epoch ms at which the oldest counted unit stops counting (now + window when none counts). */
  resetAt: number;
}

export type ConsumeResult =
  ({ allowed: true } & Usage) | ({ allowed: false } & Usage) | { allowed: "conflict"; reason: string };

export type RefundResult =
  ({ refunded: true } & Usage) | { refunded: false; reason: "unknown_key" | "already_refunded" | "more_than_consumed" };

/** The counter of a user: one Durable Object per user, wherever the request comes from. */
export type UsageCounters = (userId: number) => DurableObjectStub<UsageCounter>;

export function usageCountersOf(namespace: DurableObjectNamespace<UsageCounter>): UsageCounters {
  return (userId) => namespace.get(namespace.idFromName(String(userId)));
}

/** An idempotency key answers the same for this long (the longest window of any quota: a day). */
const KEY_RETENTION_MS = 86_400_000;
const PRUNE_EVERY = 64;

/**
 * One per user (`idFromName(userId)`): that user's usage, as a sliding log — each consume is a row
 * (at, amount), and a unit consumed at `t` counts until `t + window`. Every method reads, decides and
 * writes with synchronous SQL and no `await` in between, so concurrent calls cannot overspend: the
 * object runs one of them at a time to completion. The caller passes the time (the worker's clock).
 */
export class UsageCounter extends DurableObject<Bindings> {
  private readonly sql: SqlStorage;
  /** Calls since old rows were last deleted: pruning is housekeeping, not needed for a correct count. */
  private callsSincePrune = 0;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS units (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        scope TEXT NOT NULL,
        at INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        idempotency_key TEXT,
        -- What a keyed consume answered, so that a retry with the key answers the same.
        used_after INTEGER,
        reset_at INTEGER,
        refunded INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS units_scope_at ON units (scope, at);
      CREATE UNIQUE INDEX IF NOT EXISTS units_key ON units (idempotency_key) WHERE idempotency_key IS NOT NULL;
    `);
  }

  /** Takes `amount` units if all of them fit; otherwise takes nothing. A known key answers as it did. */
  consume(quota: Quota, amount: number, now: number, idempotencyKey?: string): ConsumeResult {
    this.forget(quota, now);
    if (idempotencyKey !== undefined) {
      const earlier = this.sql
        .exec<{ scope: string; amount: number; used_after: number; reset_at: number }>(
          "SELECT scope, amount, used_after, reset_at FROM units WHERE idempotency_key = ?",
          idempotencyKey,
        )
        .toArray()[0];
      if (earlier) {
        if (earlier.scope !== quota.scope || earlier.amount !== amount) {
          return { allowed: "conflict", reason: "The Idempotency-Key was used for another consume." };
        }
        const remaining = quota.limit === null ? null : Math.max(quota.limit - earlier.used_after, 0);
        return {
          allowed: true,
          scope: quota.scope,
          limit: quota.limit,
          used: earlier.used_after,
          remaining,
          resetAt: earlier.reset_at,
        };
      }
    }
    const before = this.usage(quota, now);
    if (before.remaining !== null && amount > before.remaining) return { allowed: false, ...before };
    const used = before.used + amount;
    const resetAt = before.used === 0 ? now + quota.windowSeconds * 1000 : before.resetAt;
    this.sql.exec(
      "INSERT INTO units (scope, at, amount, idempotency_key, used_after, reset_at) VALUES (?, ?, ?, ?, ?, ?)",
      quota.scope,
      now,
      amount,
      idempotencyKey ?? null,
      used,
      resetAt,
    );
    const remaining = quota.limit === null ? null : quota.limit - used;
    return { allowed: true, scope: quota.scope, limit: quota.limit, used, remaining, resetAt };
  }

  /** Gives back `amount` (by default all) of what the consume with that key took — never more — once. */
  refund(quota: Quota, idempotencyKey: string, amount: number | undefined, now: number): RefundResult {
    this.forget(quota, now);
    const unit = this.sql
      .exec<{ id: number; scope: string; amount: number; refunded: number }>(
        "SELECT id, scope, amount, refunded FROM units WHERE idempotency_key = ?",
        idempotencyKey,
      )
      .toArray()[0];
    if (!unit || unit.scope !== quota.scope) return { refunded: false, reason: "unknown_key" };
    if (unit.refunded) return { refunded: false, reason: "already_refunded" };
    const given = amount ?? unit.amount;
    if (given > unit.amount) return { refunded: false, reason: "more_than_consumed" };
    this.sql.exec("UPDATE units SET amount = amount - ?, refunded = 1 WHERE id = ?", given, unit.id);
    return { refunded: true, ...this.usage(quota, now) };
  }

  status(quotas: Quota[], now: number): Usage[] {
    return quotas.map((quota) => {
      this.forget(quota, now);
      return this.usage(quota, now);
    });
  }

  /** What counts now: units of the scope within its window, not refunded. */
  private usage(quota: Quota, now: number): Usage {
    const windowMs = quota.windowSeconds * 1000;
    const row = this.sql
      .exec<{ used: number; oldest: number | null }>(
        "SELECT coalesce(sum(amount), 0) AS used, min(at) AS oldest FROM units WHERE scope = ? AND at > ? AND amount > 0",
        quota.scope,
        now - windowMs,
      )
      .one();
    return {
      scope: quota.scope,
      limit: quota.limit,
      used: row.used,
      remaining: quota.limit === null ? null : Math.max(quota.limit - row.used, 0),
      resetAt: (row.oldest ?? now) + windowMs,
    };
  }

  /**
   * Units past every window they could count in, and keys past their retention, are deleted — on one
   * call in PRUNE_EVERY (a write on every call would double the cost of a consume; counts never need it).
   */
  private forget(quota: Quota, now: number) {
    if (this.callsSincePrune++ % PRUNE_EVERY !== 0) return;
    const horizon = now - Math.max(quota.windowSeconds * 1000, KEY_RETENTION_MS);
    this.sql.exec("DELETE FROM units WHERE scope = ? AND at <= ?", quota.scope, horizon);
  }

  /** Forgets all of the user's usage: their account was deleted. */
  clear(): void {
    this.sql.exec("DELETE FROM units");
  }
}
