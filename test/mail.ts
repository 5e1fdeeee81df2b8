import { env } from "cloudflare:workers";
import { expect } from "vitest";

export interface OutboxRow {
  id: number;
  recipient: string;
  subject: string;
  body: string | null;
  transport: string;
  status: string;
  error: string | null;
}

/** The newest outbox message to `recipient`, waiting for mail sent after the answer (waitUntil). */
export async function waitForMail(recipient: string, subject?: string, timeoutMs = 3000): Promise<OutboxRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare(
      "select * from outbox where recipient = ? and (? is null or subject = ?) and status != 'pending' order by id desc limit 1",
    )
      .bind(recipient, subject ?? null, subject ?? null)
      .first<OutboxRow>();
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no mail to ${recipient}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function mailCount(recipient: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from outbox where recipient = ?")
    .bind(recipient)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** The `uid` and `token` of the reset link in a message. */
export function resetLink(row: OutboxRow): { uid: string; token: string } {
  const match = /reset-password\?uid=([\w-]+)&token=([\w-]+)/.exec(row.body ?? "");
  expect(match, "reset link in the mail").not.toBeNull();
  return { uid: match?.[1] ?? "", token: match?.[2] ?? "" };
}

/** Lets mail sent after the answer (waitUntil) land before counting that none was sent. */
export function settle(ms = 200) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
