import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp, createRouter } from "../src/app";
import { signedInOnly } from "../src/auth/middleware";
import { createAccountsRpc } from "../src/rpc";
import { bearer, clock, COOKIES, decodePayload, login, newUser, post, register, sendBack, setCookies } from "./kit";
import { sessionRow } from "./db";

/** A worker whose one route answers with what `c.var.principal` says of how the session was started. */
const amrProbe = createApp((root) => {
  root.route(
    "/probe",
    createRouter().get("/amr", ...signedInOnly, (c) => c.json({ amr: c.var.principal.amr })),
  );
}, clock);

async function probeAmr(headers: Record<string, string>) {
  const response = await amrProbe.fetch(
    new Request("http://localhost/probe/amr", { headers }),
    env,
    createExecutionContext(),
  );
  expect(response.status).toBe(200);
  return (await response.json<{ amr: string[] }>()).amr;
}

describe("the session seam: how a session was started (amr)", () => {
  it("records pwd on the session of a registration and of a password login, and in their access tokens", async () => {
    const { user, access } = await register(newUser("amr"));
    expect(decodePayload(access).amr).toEqual(["pwd"]);
    const signedIn = await login(user);
    expect(decodePayload(signedIn.access).amr).toEqual(["pwd"]);
    expect((await sessionRow(decodePayload(signedIn.access).sid as string))?.amr).toBe('["pwd"]');
  });

  it("keeps the session's amr through a refresh and a silent refresh, and exposes it as the principal's", async () => {
    const { cookies, access } = await register(newUser("amr"));
    const sessionId = decodePayload(access).sid as string;
    // A session another sign-in method started (arranged: the methods that write it come with their features).
    await env.DB.prepare("update sessions set amr = ? where id = ?").bind('["pwd","otp"]', sessionId).run();
    const refreshed = await post("/auth/token/refresh/", { refresh: cookies.get(COOKIES.refresh)?.value });
    expect(refreshed.status).toBe(200);
    const fresh = (await refreshed.json<{ access: string }>()).access;
    expect(decodePayload(fresh).amr).toEqual(["pwd", "otp"]);
    expect(await probeAmr(bearer(fresh))).toEqual(["pwd", "otp"]);
    // A cookie client whose access cookie is gone: the silent refresh serves it with the session's amr.
    expect(await probeAmr(sendBack(setCookies(refreshed), COOKIES.refresh))).toEqual(["pwd", "otp"]);
  });

  it("records no login event for a registration, and login_succeeded for a password login", async () => {
    const { user, access } = await register(newUser("amr"));
    await login(user);
    const events = await env.DB.prepare("select type from security_events where user_id = ?")
      .bind(decodePayload(access).user_id)
      .all<{ type: string }>();
    expect(events.results.map((e) => e.type)).toEqual(["login_succeeded"]);
  });
});

describe("AccountsRpc with an injected clock", () => {
  it("reads time from the clock it is built with, so a window can pass without waiting", async () => {
    const { body } = await register(newUser("rpc"));
    const rpc = new (createAccountsRpc(clock))(createExecutionContext(), env);
    for (let i = 0; i < 3; i++)
      expect(await rpc.consume(body.user.pk, "ai_responses")).toMatchObject({ allowed: true });
    expect(await rpc.consume(body.user.pk, "ai_responses")).toMatchObject({ allowed: false });
    clock.advance(86_400 + 1);
    expect(await rpc.consume(body.user.pk, "ai_responses")).toMatchObject({ allowed: true, used: 1 });
  });
});
