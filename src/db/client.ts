import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
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
