import { EmailMessage } from "cloudflare:email";
import type { Config } from "../env";
import type { Database } from "../db/client";
import {
  claimFailedOutboxMessage,
  insertOutboxMessage,
  outboxMessageExists,
  updateOutboxMessage,
} from "../db/operations";
import type { Clock } from "../clock";
import { Conflict, NotFound } from "../errors";
import type { Logger } from "../log";
import { buildMimeMessage } from "./mime";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

type Transport = (mail: OutgoingMail) => Promise<void>;

/** What the domain sends mail through: built once per request (see `buildDeps`). */
export interface Mailer {
  /**
   * Writes the message to the outbox, then hands it to the configured transport and records the
   * result. A transport failure is recorded on the row (`failed`, with the reason) and logged, never
   * thrown: the message is kept for a retry (staff re-send it from the console) and the request that
   * caused it answers as the contract says.
   */
  send(mail: OutgoingMail): Promise<void>;
  /**
   * Sends a failed message again, through today's transport. Claimed first (failed → pending, compare-
   * and-swap), so two staff clicking at once send it once; a message that is not failed is a 409.
   */
  resend(id: number): Promise<"sent" | "failed">;
}

/** MAILER=log: the message goes to the log (and stays whole in the outbox) — for development. */
function logTransport(log: Logger): Transport {
  return (mail) => {
    log.info("mail", { mail });
    return Promise.resolve();
  };
}

function cloudflareTransport(binding: SendEmail | undefined, from: string, clock: Clock): Transport {
  return async (mail) => {
    if (!binding) throw new Error("MAILER=cloudflare but the EMAIL send_email binding is missing");
    const raw = buildMimeMessage({ from, ...mail }, clock.now());
    await binding.send(new EmailMessage(from, mail.to, raw));
  };
}

/** The mailer of a request: the outbox in `db`, the transport MAILER names (`binding`: the EMAIL send_email binding). */
export function createMailer(
  parts: { db: Database; settings: Config["mail"]; clock: Clock; log: Logger },
  binding: SendEmail | undefined,
): Mailer {
  const { db, settings, clock, log } = parts;
  const transportName = settings.transport;
  const transport =
    transportName === "cloudflare" ? cloudflareTransport(binding, settings.from, clock) : logTransport(log);

  /** Hands an outbox message to the transport and records on its row whether it went. */
  async function deliver(id: number, mail: OutgoingMail): Promise<"sent" | "failed"> {
    try {
      await transport(mail);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log.error("mail not sent", { outbox: id, transport: transportName, cause: reason });
      await updateOutboxMessage(db, id, { status: "failed", transport: transportName, error: reason.slice(0, 500) });
      return "failed";
    }
    // A delivered message's links are secrets: keep the body only where it never left (the log transport).
    await updateOutboxMessage(db, id, {
      status: "sent",
      transport: transportName,
      error: null,
      sentAt: clock.now(),
      ...(transportName === "log" ? {} : { body: null }),
    });
    return "sent";
  }

  return {
    async send(mail) {
      const row = await insertOutboxMessage(db, {
        recipient: mail.to,
        subject: mail.subject,
        body: mail.text,
        transport: transportName,
        createdAt: clock.now(),
      }).get();
      await deliver(row.id, mail);
    },
    async resend(id) {
      const claimed = await claimFailedOutboxMessage(db, id);
      if (!claimed) {
        if (!(await outboxMessageExists(db, id))) throw new NotFound();
        throw new Conflict("Only a failed message can be re-sent.");
      }
      return deliver(id, { to: claimed.recipient, subject: claimed.subject, text: claimed.body ?? "" });
    },
  };
}
