import type { TestProject } from "vitest/node";
import { startFakeStripe } from "../scripts/fake-stripe.mjs";

/** Runs in Node before the workers start: the fake Stripe API the worker's Stripe client talks to. */
export default async function setup(project: TestProject) {
  const fake = await startFakeStripe(0);
  project.provide("fakeStripePort", fake.port);
  return () => fake.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    fakeStripePort: number;
  }
}
