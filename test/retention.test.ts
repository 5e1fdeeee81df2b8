import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { register } from "./kit";

afterEach(() => {
  vi.restoreAllMocks();
});

const DAY = 24 * 60 * 60 * 1000;

async function runCron(now: number) {
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 * * * *" }), env);
}

async function ids(table: string, column = "id") {
  const rows = await env.DB.prepare(`select ${column} as id from ${table}`).all<{ id: string | number }>();
  return rows.results.map((r) => r.id);
}

describe("the hourly retention job", () => {
  it("deletes rows past their retention period and keeps everything else", async () => {
    const { body } = await register();
    const user = body.user.pk;
    const now = Date.now();
    const ago = (days: number) => now - days * DAY;
    const session =
      "insert into sessions (id, user_id, refresh_expires_at, created_at, last_used_at, revoked_at) values (?, ?, ?, ?, ?, ?)";
    const token =
      "insert into one_time_tokens (token_hash, user_id, purpose, created_at, expires_at, used_at) values (?, ?, 'password_reset', ?, ?, ?)";
    const mail =
      "insert into outbox (recipient, subject, body, transport, status, created_at, sent_at) values (?, 's', 'b', 'log', ?, ?, ?)";
    const event =
      "insert into stripe_events (id, type, outcome, created_at, received_at) values (?, 'x', 'ignored', 0, ?)";
    const audit = "insert into security_events (user_id, type, created_at) values (?, ?, ?)";
    await env.DB.batch([
      env.DB.prepare(session).bind("s-revoked-long-ago", user, now + DAY, ago(40), ago(40), ago(31)),
      env.DB.prepare(session).bind("s-expired-long-ago", user, ago(31), ago(40), ago(40), null),
      env.DB.prepare(session).bind("s-revoked-lately", user, now + DAY, ago(5), ago(5), ago(2)),
      env.DB.prepare(token).bind("t-used-long-ago", user, ago(9), ago(9) + 3_600_000, ago(8)),
      env.DB.prepare(token).bind("t-expired-long-ago", user, ago(9), ago(8), null),
      env.DB.prepare(token).bind("t-fresh", user, now, now + 3_600_000, null),
      env.DB.prepare(mail).bind("old-sent@example.com", "sent", ago(31), ago(31)),
      env.DB.prepare(mail).bind("old-failed@example.com", "failed", ago(31), null),
      env.DB.prepare(mail).bind("new-sent@example.com", "sent", ago(1), ago(1)),
      env.DB.prepare(event).bind("evt_old", ago(91)),
      env.DB.prepare(event).bind("evt_new", ago(89)),
      env.DB.prepare(audit).bind(user, "old_audit", ago(366)),
      env.DB.prepare(audit).bind(user, "new_audit", ago(364)),
    ]);

    await runCron(now);

    const sessions = await ids("sessions");
    expect(sessions).not.toContain("s-revoked-long-ago");
    expect(sessions).not.toContain("s-expired-long-ago");
    expect(sessions).toContain("s-revoked-lately");
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect(await ids("one_time_tokens", "token_hash")).toEqual(["t-fresh"]);
    expect((await ids("outbox", "recipient")).sort()).toEqual(["new-sent@example.com", "old-failed@example.com"]);
    expect(await ids("stripe_events")).toEqual(["evt_new"]);
    expect(await ids("security_events", "type")).not.toContain("old_audit");
    expect(await ids("security_events", "type")).toContain("new_audit");
  });
});
