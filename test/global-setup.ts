import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { startFakeGoogle } from "../scripts/fake-google.mjs";
import { startFakeStripe } from "../scripts/fake-stripe.mjs";

/** What `npm run keys:generate` prints (run as the README says), for the tests that configure signing keys. */
function generatedKey(alg: string, kid: string): string {
  return execFileSync("node", ["scripts/signing-keys.mjs", "--alg", alg, "--kid", kid], { encoding: "utf8" });
}

/** Runs in Node before the workers start: the fake Stripe and Google the worker's clients talk to. */
export default async function setup(project: TestProject) {
  const fake = await startFakeStripe(0);
  const google = await startFakeGoogle(0);
  project.provide("fakeStripePort", fake.port);
  project.provide("fakeGoogleBase", google.base);
  project.provide("generatedKeys", {
    es256: generatedKey("ES256", "gen-es256"),
    eddsa: generatedKey("EdDSA", "gen-eddsa"),
  });
  return async () => {
    await Promise.all([fake.close(), google.close()]);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    fakeStripePort: number;
    /** The fake Google's base URL (scripts/fake-google.mjs). */
    fakeGoogleBase: string;
    /** The stdout of `npm run keys:generate -- --alg ES256` and `-- --alg EdDSA`. */
    generatedKeys: { es256: string; eddsa: string };
  }
}
