import { createGoogleClient } from "./auth/google/client";
import { tokenKeysFor } from "./auth/keys";
import { createStripeClient } from "./billing/stripe";
import type { Clock } from "./clock";
import type { Database } from "./db/client";
import type { Bindings, Config, Deps } from "./env";
import type { Logger } from "./log";
import { createMailer } from "./mail/mailer";
import { usageCountersOf } from "./quotas/counter";

/**
 * The dependencies of one request (or one RPC call, or one cron run), each factory handed the one
 * binding or setting it needs. Cheap: the clients are plain objects; what is costly to build (the token
 * keys) is cached per configuration.
 */
export function buildDeps(env: Bindings, parts: { db: Database; config: Config; clock: Clock; log: Logger }): Deps {
  const { db, config, clock, log } = parts;
  return {
    ...parts,
    mailer: createMailer({ db, settings: config.mail, clock, log }, env.EMAIL),
    stripe: createStripeClient(config.stripe, log),
    google: createGoogleClient(config.google, log),
    usage: usageCountersOf(env.USAGE),
    tokens: tokenKeysFor(config),
  };
}
