import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { UsageCounter } from "../src/quotas/counter";

const DAY_MS = 86_400_000;
const quota = { scope: "exports", limit: 1_000, windowSeconds: 60 };

describe("UsageCounter (the Durable Object)", () => {
  it("lets exactly 20 of 100 concurrent calls through a limit of 20", async () => {
    const stub = env.USAGE.get(env.USAGE.idFromName(`concurrent-${crypto.randomUUID()}`));
    const results = await Promise.all(
      Array.from({ length: 100 }, () => stub.consume({ ...quota, limit: 20 }, 1, 1_000)),
    );
    expect(results.filter((r) => r.allowed === true)).toHaveLength(20);
    expect((await stub.status([{ ...quota, limit: 20 }], 1_000))[0]).toMatchObject({ used: 20, remaining: 0 });
  });

  it("deletes rows past every window and key retention as it goes, without changing any count", async () => {
    const stub = env.USAGE.get(env.USAGE.idFromName(`prune-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (instance, state) => {
      // The pool types the instance by its own Env; this object is the worker's UsageCounter.
      const counter = instance as unknown as UsageCounter;
      counter.consume(quota, 5, 0, "old-key");
      const later = 2 * DAY_MS;
      for (let i = 0; i < 64; i++) expect(counter.consume(quota, 1, later + i).allowed).toBe(true);
      const old = state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM units WHERE at = 0").one();
      expect(old.n).toBe(0);
      expect(counter.status([quota], later + 64)[0]).toMatchObject({ used: 64 });
    });
  });
});
