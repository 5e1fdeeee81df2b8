import { sql } from "drizzle-orm";
import type { Database } from "./client";

/** One `SELECT 1`: resolves when D1 answers, throws D1's error when it does not. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.run(sql`select 1`);
}
