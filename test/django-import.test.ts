import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DumpError, EXISTING_QUERIES, planImport, readDump, type ExistingState } from "../scripts/django-dump-plan.mjs";
import { usernameKey } from "../src/identifiers.mjs";
import { bearer, call, post, register, type LoginPayload } from "./kit";
import { userRow } from "./db";
import { deliver, fakeStripe, stripeEvent, subscription } from "./stripe";
import dumpJson from "./fixtures/django/dump.json";
import users from "./fixtures/django/users.json";

/** What the importer reads of the database before planning. */
async function existing() {
  const [plans, rows] = await env.DB.batch([
    env.DB.prepare(EXISTING_QUERIES.plans),
    env.DB.prepare(EXISTING_QUERIES.users),
  ]);
  return {
    plans: (plans?.results ?? []) as ExistingState["plans"],
    users: (rows?.results ?? []) as ExistingState["users"],
  };
}

/** `npm run import:django` against the test's local D1: the same planner, the same SQL. */
async function importDump(dump: unknown) {
  const { statements, report } = await planImport(readDump(JSON.stringify(dump)), await existing());
  if (statements.length > 0) await env.DB.batch(statements.map((sql) => env.DB.prepare(sql)));
  return report;
}

async function tableDigest() {
  const dumps = await env.DB.batch(
    ["users", "plans", "linked_identities"].map((t) => env.DB.prepare(`select * from ${t} order by 1, 2`)),
  );
  return JSON.stringify(dumps.map((d) => d.results));
}

const login = (username: string, password: string) => post("/auth/login/", { username, password });
const password = (username: string) => users.find((u) => u.username === username)?.password ?? "";

describe("npm run import:django", () => {
  it("imports a real Django dump, reporting conflicts and the accounts that must reset their password", async () => {
    const report = await importDump(dumpJson);
    expect(report.plans).toEqual({
      created: ["Legacy Team"],
      updated: ["Free", "Basic", "Pro", "Premium"],
      keptPrices: [{ plan: "Premium", billing: "yearly", price: "price_premium_yearly" }],
    });
    expect(report.users.created).toBe(12);
    expect(report.users.skipped).toEqual([
      {
        pk: 21,
        username: "othercase",
        reason: "e-mail twin@example.com equals that of dump user 20 after lower-casing",
      },
    ]);
    expect(report.needPasswordReset.map((u) => u.username).sort()).toEqual(["argonuser", "socialonly"]);
    expect(report.linkedIdentities).toBe(2);
  });

  it("keeps ids, fields, plans, Stripe links, staff and verification", async () => {
    // 100,000 iterations: this user's login is the cheap one.
    const response = await login("unverified", password("unverified"));
    expect(response.status).toBe(200);
    const { access } = await response.json<LoginPayload>();
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(200);
    expect(await userRow("django52")).toMatchObject({
      id: 11,
      email: "django52@example.com",
      first_name: "Zoë",
      last_name: "Ångström",
      date_of_birth: "1990-05-17",
      stripe_customer_id: "cus_old_52",
      stripe_subscription_id: "sub_old_52",
      stripe_subscription_status: "active",
      email_verified: 1,
    });
  });

  it("answers GET /auth/user/ for an imported user with every field as Django had it", async () => {
    const response = await login("django52", password("django52"));
    expect(response.status).toBe(200);
    const { user, access } = await response.json<LoginPayload>();
    expect(user).toMatchObject({
      pk: 11,
      username: "django52",
      email: "django52@example.com",
      first_name: "Zoë",
      last_name: "Ångström",
      date_of_birth: "1990-05-17",
      plan: { name: "Premium" },
      stripe_customer_id: "cus_old_52",
      stripe_subscription_id: "sub_old_52",
      stripe_subscription_status: "active",
    });
    expect(await (await call("/auth/user/", { headers: bearer(access) })).json()).toEqual(user);
    expect(await userRow("admin")).toMatchObject({ id: 19, is_staff: 1 });
    expect(await userRow("unverified")).toMatchObject({ email_verified: 0 });
    expect(await userRow("django42")).toMatchObject({ email_verified: 1 });
    expect((await userRow("django32"))?.plan_id).toBe((await userRow("django42"))?.plan_id);
    const google = await env.DB.prepare("select user_id, provider, uid from linked_identities order by user_id").all();
    expect(google.results).toEqual([
      { user_id: 11, provider: "google", uid: "100000000000000000052" },
      { user_id: 17, provider: "google", uid: "109876543210987654321" },
    ]);
  }, 60_000);

  for (const { username, hash } of users.filter((u) => u.hash.startsWith("pbkdf2") && u.username !== "inactive")) {
    if (username === "othercase") continue;
    it(`logs ${username} (${hash}) in with the Django password only, then stores our hash`, async () => {
      expect((await login(username, `${password(username)}!`)).status).toBe(400);
      expect((await login(username, password(username))).status).toBe(200);
      expect(String((await userRow(username))?.password_hash)).toMatch(/^pbkdf2_sha256\$100000\$/);
    }, 60_000);
  }

  it("refuses the inactive user, and the accounts whose hash cannot be checked here", async () => {
    for (const username of ["inactive", "socialonly", "argonuser"]) {
      const response = await login(username, password(username));
      expect(response.status, username).toBe(400);
      expect(await response.json()).toEqual({ non_field_errors: ["Unable to log in with provided credentials."] });
    }
  });

  it("changes nothing when the same dump is imported again", async () => {
    const before = await tableDigest();
    const report = await importDump(dumpJson);
    expect(report.users).toMatchObject({ created: 0, updated: 0, passwordsUpdated: 0 });
    expect(await tableDigest()).toBe(before);
  });

  it("applies a newer dump to accounts unchanged here, never to one edited here, nor over a password set here", async () => {
    // django52 logged in above, so its hash is ours now: a cheap login.
    const edited = await login("django52", password("django52"));
    const { access } = await edited.json<LoginPayload>();
    await post("/auth/user/", { first_name: "Changed here" }, bearer(access), "PATCH");
    const upgradedHash = (await userRow("django32"))?.password_hash;
    const newer = (dumpJson as Array<{ model: string; pk: number; fields: Record<string, unknown> }>).map((entry) => {
      if (entry.model !== "core.user") return entry;
      if (entry.pk === 14) return { ...entry, fields: { ...entry.fields, first_name: "Renamed in Django" } };
      if (entry.pk === 11 || entry.pk === 15)
        return {
          ...entry,
          fields: { ...entry.fields, last_name: "Django's newer", password: "pbkdf2_sha256$100000$x$y" },
        };
      return entry;
    });
    const report = await importDump(newer);
    expect(report.users.skipped).toContainEqual({
      pk: 11,
      username: "django52",
      reason: "changed here since its last import: left as it is",
    });
    expect(await userRow("django42")).toMatchObject({ first_name: "Renamed in Django" });
    expect(await userRow("django52")).toMatchObject({ first_name: "Changed here", last_name: "Ångström" });
    expect((await userRow("django32"))?.password_hash).toBe(upgradedHash);
    expect((await userRow("django32"))?.last_name).toBe("Django's newer");
  }, 60_000);

  it("gives new registrations ids above every imported one", async () => {
    const { body } = await register();
    expect(body.user.pk).toBeGreaterThan(23);
  });

  it("gives each plan the dump's Stripe prices (stripe_price_id_monthly/_yearly), keeping ours where it has none", async () => {
    const rows = await env.DB.prepare(
      "select name, stripe_monthly_price_id as monthly, stripe_yearly_price_id as yearly from plans order by sort_order",
    ).all();
    expect(rows.results).toEqual([
      { name: "Free", monthly: null, yearly: null },
      { name: "Basic", monthly: "price_old_basic_m", yearly: "price_old_basic_y" },
      { name: "Pro", monthly: "price_old_pro_m", yearly: "price_old_pro_y" },
      { name: "Premium", monthly: "price_old_premium_m", yearly: "price_premium_yearly" },
      { name: "Legacy Team", monthly: null, yearly: null },
    ]);
  });

  it("sells every paid plan at the dump's prices after the import: a checkout for each succeeds", async () => {
    const { access } = await login("unverified", password("unverified")).then((r) => r.json<LoginPayload>());
    const plans = await env.DB.prepare(
      "select id, name, stripe_monthly_price_id as monthly, stripe_yearly_price_id as yearly from plans where name in ('Basic', 'Pro', 'Premium')",
    ).all<{ id: number; monthly: string | null; yearly: string | null }>();
    for (const plan of plans.results) {
      for (const [billing, price] of [
        ["monthly", plan.monthly],
        ["yearly", plan.yearly],
      ] as const) {
        if (!price) continue;
        const response = await post(
          "/core/payments/create-checkout-session/",
          { plan_id: plan.id, billing },
          bearer(access),
        );
        expect(response.status, `${billing} ${price}`).toBe(200);
        expect(await response.json()).toEqual({ url: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\//) });
      }
    }
    const sent = await fakeStripe.requests();
    const prices = sent.filter((r) => r.path === "/v1/checkout/sessions").map((r) => r.params["line_items[0][price]"]);
    expect(prices).toEqual(
      expect.arrayContaining([
        "price_old_basic_m",
        "price_old_basic_y",
        "price_old_pro_m",
        "price_old_pro_y",
        "price_old_premium_m",
        "price_premium_yearly",
      ]),
    );
  });

  it("moves an imported customer to Pro on a signed subscription.created with the dump's Pro price", async () => {
    const pro = subscription({ priceId: "price_old_pro_m", customer: "cus_old_50" });
    expect(await (await deliver(stripeEvent("customer.subscription.created", pro))).json()).toMatchObject({
      outcome: "applied",
    });
    const django50 = await userRow("django50");
    expect(django50).toMatchObject({ stripe_subscription_id: pro.id, stripe_subscription_status: "active" });
    const plan = await env.DB.prepare("select name from plans where id = ?").bind(django50?.plan_id).first();
    expect(plan).toEqual({ name: "Pro" });
  });

  it("lets a Stripe webhook naming an imported user's id update that user", async () => {
    // The import set our Pro plan's price ids to the Django service's.
    const pro = subscription({ priceId: "price_old_pro_m", userId: 14 });
    expect(await (await deliver(stripeEvent("customer.subscription.created", pro))).json()).toMatchObject({
      outcome: "applied",
    });
    expect(await userRow("django42")).toMatchObject({
      stripe_subscription_id: pro.id,
      stripe_subscription_status: "active",
    });
  });

  it("lists models it does not import, and ignores them", async () => {
    const withGroups = [...(dumpJson as unknown[]), { model: "auth.group", pk: 1, fields: { name: "editors" } }];
    expect((await importDump(withGroups)).unknownModels).toEqual({ "auth.group": 1 });
  });

  it("normalises usernames with the API's one rule (src/identifiers.mjs): NFKC, then case", () => {
    const keys = ["Admin", "ａｄｍｉｎ", "Ǆemal", "ÅNGSTRÖM", "ﬁle"].map(usernameKey);
    expect(keys).toEqual(["admin", "admin", "džemal", "ångström", "file"]);
  });

  it("refuses a file that is not a Django dump, writing nothing", () => {
    expect(() => readDump("not json")).toThrow(DumpError);
    expect(() => readDump('{"users": []}')).toThrow(/not a Django dump/);
    expect(() => readDump('[{"model": "auth.group", "pk": 1, "fields": {}}]')).toThrow(/no core.User/);
  });
});
