import { expect } from "vitest";
import { newestMail, type OutboxRow } from "./db";

/** The newest message to `recipient`; `call` waits for mail sent after the answer, so it is there now. */
export async function mailTo(recipient: string, subject?: string): Promise<OutboxRow> {
  const row = await newestMail(recipient, subject);
  if (!row) throw new Error(`no mail to ${recipient}`);
  return row;
}

/** The `uid` and `token` of the reset link in a message. */
export function resetLink(row: OutboxRow): { uid: string; token: string } {
  const match = /reset-password\?uid=([\w-]+)&token=([\w-]+)/.exec(row.body ?? "");
  expect(match, "reset link in the mail").not.toBeNull();
  return { uid: match?.[1] ?? "", token: match?.[2] ?? "" };
}
