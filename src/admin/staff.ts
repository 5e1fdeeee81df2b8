import { createMiddleware } from "hono/factory";
import { requireUser, type SignedInEnv } from "../auth/middleware";
import { PermissionDenied } from "../errors";

/**
 * After `requireUser` (which read the account from D1 on this very request): the caller must be staff.
 * Demoting or deactivating a staff member therefore ends their admin access on their next request.
 */
const requireStaffFlag = createMiddleware<SignedInEnv>(async (c, next) => {
  if (!c.var.principal.user.isStaff) throw new PermissionDenied();
  await next();
});

/** A route's `middleware` for the admin API and console: signed in, and staff. */
export const staffOnly: [typeof requireUser, typeof requireStaffFlag] = [requireUser, requireStaffFlag];

/** Who an admin write is recorded as. */
export interface Actor {
  id: number;
  username: string;
}

export function actorOf(principal: { user: Actor }): Actor {
  return { id: principal.user.id, username: principal.user.username };
}
