import type { UserWithPlan } from "../db/users";

/** Who is calling, and through which credential. */
export interface Principal extends UserWithPlan {
  sessionId: string;
  /** Cookie-authenticated unsafe requests must pass the CSRF check; Bearer requests are exempt. */
  via: "bearer" | "cookie";
}
