import { EmailMessage } from "cloudflare:email";
import { eq } from "drizzle-orm";
import type { Bindings, Deps } from "../env";
import { outbox } from "../db/schema";
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
 * message is kept for a retry and the request that caused it answers as the contract says.
 */
export async function sendMail(deps: Deps, env: Bindings, mail: OutgoingMail): Promise<void> {
  const { db, config, clock, log } = deps;
  const transportName = config.mail.transport;
  const row = await db
    .insert(outbox)
    .values({
      recipient: mail.to,
      subject: mail.subject,
      body: mail.text,
      transport: transportName,
      status: "pending",
      createdAt: clock.now(),
    })
    .returning({ id: outbox.id })
    .get();
  const transport =
    transportName === "cloudflare" ? cloudflareTransport(env, config.mail.from, clock.now()) : logTransport(log);
  try {
    await transport(mail);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.error("mail not sent", { outbox: row.id, transport: transportName, cause: reason });
    await db
      .update(outbox)
      .set({ status: "failed", error: reason.slice(0, 500) })
      .where(eq(outbox.id, row.id));
    return;
  }
  // A delivered message's links are secrets: keep the body only where it never left (the log transport).
  const delivered = {
    status: "sent" as const,
    sentAt: clock.now(),
    ...(transportName === "log" ? {} : { body: null }),
  };
  await db.update(outbox).set(delivered).where(eq(outbox.id, row.id));
}
