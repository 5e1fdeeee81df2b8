import { EmailMessage } from "cloudflare:email";
import { and, eq, isNotNull } from "drizzle-orm";
import type { Bindings, Deps } from "../env";
import { outbox } from "../db/schema";
import { Conflict, NotFound } from "../errors";
import type { Logger } from "../log";
import { buildMimeMessage } from "./mime";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

type Transport = (mail: OutgoingMail) => Promise<void>;

/** MAILER=log: the message goes to the log (and stays whole in the outbox) — for development. */
function logTransport(log: Logger): Transport {
  return (mail) => {
    log.info("mail", { mail });
    return Promise.resolve();
  };
}

function cloudflareTransport(env: Bindings, from: string, now: Date): Transport {
  return async (mail) => {
    if (!env.EMAIL) throw new Error("MAILER=cloudflare but the EMAIL send_email binding is missing");
    const raw = buildMimeMessage({ from, ...mail }, now);
    await env.EMAIL.send(new EmailMessage(from, mail.to, raw));
  };
}

/**
 * Writes the message to the outbox, then hands it to the configured transport and records the result.
 * A transport failure is recorded on the row (`failed`, with the reason) and logged, never thrown: the
 * message is kept for a retry (staff re-send it from the console) and the request that caused it
 * answers as the contract says.
 */
export async function sendMail(deps: Deps, env: Bindings, mail: OutgoingMail): Promise<void> {
  const row = await deps.db
    .insert(outbox)
    .values({
      recipient: mail.to,
      subject: mail.subject,
      body: mail.text,
      transport: deps.config.mail.transport,
      status: "pending",
      createdAt: deps.clock.now(),
    })
    .returning({ id: outbox.id })
    .get();
  await deliver(deps, env, row.id, mail);
}

/** Hands an outbox message to the transport and records on its row whether it went. */
async function deliver(deps: Deps, env: Bindings, id: number, mail: OutgoingMail): Promise<"sent" | "failed"> {
  const { db, config, clock, log } = deps;
  const transportName = config.mail.transport;
  const transport =
    transportName === "cloudflare" ? cloudflareTransport(env, config.mail.from, clock.now()) : logTransport(log);
  try {
    await transport(mail);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.error("mail not sent", { outbox: id, transport: transportName, cause: reason });
    await db
      .update(outbox)
      .set({ status: "failed", transport: transportName, error: reason.slice(0, 500) })
      .where(eq(outbox.id, id));
    return "failed";
  }
  // A delivered message's links are secrets: keep the body only where it never left (the log transport).
  const delivered = {
    status: "sent" as const,
    transport: transportName,
    error: null,
    sentAt: clock.now(),
    ...(transportName === "log" ? {} : { body: null }),
  };
  await db.update(outbox).set(delivered).where(eq(outbox.id, id));
  return "sent";
}

/**
 * Sends a failed message again, through today's transport. Claimed first (failed → pending, compare-and-
 * swap), so two staff clicking at once send it once; a message that is not failed is a 409.
 */
export async function resendOutboxMessage(deps: Deps, env: Bindings, id: number): Promise<"sent" | "failed"> {
  const claimed = await deps.db
    .update(outbox)
    .set({ status: "pending", error: null })
    .where(and(eq(outbox.id, id), eq(outbox.status, "failed"), isNotNull(outbox.body)))
    .returning()
    .get();
  if (!claimed) {
    const exists = await deps.db.select({ id: outbox.id }).from(outbox).where(eq(outbox.id, id)).get();
    if (!exists) throw new NotFound();
    throw new Conflict("Only a failed message can be re-sent.");
  }
  return deliver(deps, env, id, { to: claimed.recipient, subject: claimed.subject, text: claimed.body ?? "" });
}
