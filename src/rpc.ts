import { WorkerEntrypoint } from "cloudflare:workers";
import type { Clock } from "./clock";
import { createDb } from "./db/client";
import { findQuotaAccount } from "./db/quotas";
import { buildDeps } from "./deps";
import { readConfig, type Bindings, type Deps } from "./env";
import { ApiError, fieldErrorsFromZod, NotFound, ValidationError } from "./errors";
import { createLogger } from "./log";
import { consumeQuota, quotaStatus } from "./quotas/usage";
import { consumeSchema, serializeQuotaStatus, serializeSuggestion, serializeUsage } from "./schemas/usage";

/** A refusal the HTTP API would answer with an error status: its status and DRF body, as a value. */
export interface RpcError {
  error: { status: number; body: Record<string, unknown> };
}

/** Errors an API route would render become values, so the calling Worker can branch on them. */
async function answer<T>(work: () => Promise<T>): Promise<T | RpcError> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) return { error: { status: error.status, body: error.body } };
    throw error;
  }
}

/**
 * What other Workers of the account call through a service binding (`[[services]]` with
 * `entrypoint = "AccountsRpc"`), without HTTP: the same quota decisions as `/core/usage/…` and
 * `/core/rate-limits/status/`, for a user named by id. Answers are the HTTP bodies; what HTTP would
 * refuse (an unknown or inactive user: 404, an unknown scope: 400) comes back as `{ error }`. Time comes
 * from `clock`, as for `createWorker(clock)`: the deployed entrypoint uses the system clock, tests theirs.
 */
export function createAccountsRpc(clock: Clock) {
  return class AccountsRpc extends WorkerEntrypoint<Bindings> {
    private deps(call: string): Deps {
      const db = createDb(this.env.DB.withSession("first-primary"));
      const log = createLogger(() => ({ rpc: call }));
      return buildDeps(this.env, { db, config: readConfig(this.env), clock, log });
    }

    private async account(deps: Deps, userId: number) {
      const account = await findQuotaAccount(deps.db, { userId }, deps.clock.now());
      if (!account) throw new NotFound();
      return account;
    }

    /** Takes `amount` units of `scope` for the user, all or nothing; `allowed: false` took nothing. */
    consume(userId: number, scope: string, amount = 1, idempotencyKey?: string) {
      return answer(async () => {
        const deps = this.deps("consume");
        // The same checks as the HTTP body, since RPC arguments come through no validator.
        const input = consumeSchema.safeParse({ scope, amount });
        if (!input.success) throw new ValidationError(fieldErrorsFromZod(input.error));
        const account = await this.account(deps, userId);
        const request = { scope: input.data.scope, amount: input.data.amount ?? 1, idempotencyKey };
        const outcome = await consumeQuota(deps, account, request);
        const usage = serializeUsage(outcome.usage);
        return outcome.allowed
          ? { allowed: true as const, ...usage }
          : { allowed: false as const, ...usage, upgrade_suggestion: serializeSuggestion(outcome.upgrade) };
      });
    }

    /** The user's usage of every quota of its plan, in the shape of GET /core/rate-limits/status/. */
    status(userId: number) {
      return answer(async () => {
        const deps = this.deps("status");
        return serializeQuotaStatus(await quotaStatus(deps, await this.account(deps, userId)));
      });
    }
  };
}
