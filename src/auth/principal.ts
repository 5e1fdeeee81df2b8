import type { UserWithPlan } from "../db/users";
import type { AuthMethod } from "./tokens";

/** Who is calling, and through which credential. */
export interface Principal extends UserWithPlan {
  sessionId: string;
  /** Cookie-authenticated unsafe requests must pass the CSRF check; Bearer requests are exempt. */
  via: "bearer" | "cookie";
  /**
   * How the session was started (the access token's `amr`, or the session's on a silent refresh): a
   * route that needs a stronger sign-in than a password checks it. Empty for tokens issued before
   * sessions recorded it.
   */
  amr: AuthMethod[];
}
