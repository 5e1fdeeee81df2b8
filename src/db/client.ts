import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/**
 * Drizzle over a D1 session: Drizzle only calls `prepare` and `batch`, which a session has too (its
 * types predate the Sessions API, hence the cast).
 */
export function createDb(d1: D1DatabaseSession) {
  return drizzle(d1 as unknown as D1Database, { schema });
}

export type Database = ReturnType<typeof createDb>;

/** The column a UNIQUE violation names, found anywhere in the error's cause chain. */
export function uniqueViolation(error: unknown): "username" | "email" | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (!e.message.includes("UNIQUE constraint failed")) continue;
    if (e.message.includes("users.username")) return "username";
    if (e.message.includes("users_email_lower_unique") || e.message.includes("users.email")) return "email";
  }
  return undefined;
}
