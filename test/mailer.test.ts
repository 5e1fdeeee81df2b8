import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildMimeMessage } from "../src/mail/mime";
import { call, jsonInit, register } from "./kit";
import { mailTo } from "./mail";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("buildMimeMessage", () => {
  it("has the headers send_email requires, and UTF-8 text in base64", () => {
    const raw = buildMimeMessage(
      { from: "no-reply@example.com", to: "ada@example.com", subject: "Réinitialiser", text: "Grüße ✓" },
      new Date("2026-12-01T10:00:00Z"),
    );
    expect(raw).toMatch(/^From: no-reply@example.com\r\nTo: ada@example.com\r\n/);
    expect(raw).toContain("\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\n");
    expect(raw).toMatch(/\r\nMessage-ID: <[\w-]+@example\.com>\r\n/);
    expect(raw).toContain("Subject: =?UTF-8?B?");
    const body = raw.split("\r\n\r\n")[1] ?? "";
    expect(new TextDecoder().decode(Uint8Array.from(atob(body.replace(/\r\n/g, "")), (ch) => ch.charCodeAt(0)))).toBe(
      "Grüße ✓",
    );
  });
});

describe("the mail outbox", () => {
  it("with MAILER=log keeps each message whole in the outbox, marked sent", async () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const { user } = await register();
    await call("/auth/password/reset/", jsonInit({ email: user.email }));
    const mail = await mailTo(user.email);
    expect(mail).toMatchObject({ status: "sent", transport: "log", error: null });
    expect(mail.body).toContain("reset-password?uid=");
  });

  it("with MAILER=cloudflare sends through the send_email binding and blanks the delivered body", async () => {
    const { user } = await register();
    const sent: EmailMessage[] = [];
    const binding = {
      send: (message: EmailMessage) => (sent.push(message), Promise.resolve()),
    } as unknown as SendEmail;
    await call("/auth/password/reset/", jsonInit({ email: user.email }), {
      MAILER: "cloudflare",
      EMAIL: binding,
      MAIL_FROM: "accounts@example.com",
    });
    const mail = await mailTo(user.email);
    expect(mail).toMatchObject({ status: "sent", transport: "cloudflare", body: null });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.to).toBe(user.email);
    expect(sent[0]?.from).toBe("accounts@example.com");
  });

  it("sends a real message through the local send_email binding", async () => {
    const { user } = await register();
    await call("/auth/password/reset/", jsonInit({ email: user.email }), {
      MAILER: "cloudflare",
      MAIL_FROM: "accounts@example.com",
    });
    expect(await mailTo(user.email)).toMatchObject({ status: "sent", transport: "cloudflare" });
    expect(env.EMAIL).toBeDefined();
  });

  it("keeps a message whose sending failed, marked failed, and still answers as the contract says", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { user } = await register();
    const broken = { send: () => Promise.reject(new Error("Email Routing unavailable")) } as unknown as SendEmail;
    const response = await call("/auth/password/reset/", jsonInit({ email: user.email }), {
      MAILER: "cloudflare",
      EMAIL: broken,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ detail: "Password reset e-mail has been sent." });
    const mail = await mailTo(user.email);
    expect(mail).toMatchObject({ status: "failed", error: "Email Routing unavailable" });
    expect(mail.body).toContain("reset-password?uid=");
  });
});
