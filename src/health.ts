import type { Deps } from "./env";
import { pingDatabase } from "./db/health";
import { errorFields } from "./log";

export type ServiceHealth = "healthy" | "unhealthy";

/** A failing database is this check's answer (reported with a 503); its cause goes to the log. */
export async function checkDatabase({ db, log }: Pick<Deps, "db" | "log">): Promise<ServiceHealth> {
  try {
    await pingDatabase(db);
    return "healthy";
  } catch (error) {
    log.error("health check failed", { check: "db", ...errorFields(error) });
    return "unhealthy";
  }
}
