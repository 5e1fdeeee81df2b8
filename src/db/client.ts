import { drizzle } from "drizzle-orm/d1";

/**
 * Drizzle over a D1 session: Drizzle only calls `prepare` and `batch`, which a session has too (its
 * types predate the Sessions API, hence the cast). Built per request, so without the `schema` option:
 * that builds the relational-query map (15 µs a request here), and we query with the builders only.
 */
export function createDb(d1: D1DatabaseSession) {
  return drizzle(d1 as unknown as D1Database);
}

export type Database = ReturnType<typeof createDb>;

/**
 * What a UNIQUE violation anywhere in the error's cause chain names — `users.username`, or
 * `index 'users_email_lower_unique'` for an expression index — or undefined for any other error.
 */
export function uniqueViolationTarget(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const match = /UNIQUE constraint failed: ([^:]+?)(?::|$)/.exec(e.message);
    if (match) return match[1]?.trim();
  }
  return undefined;
}
