import type { D1Migration } from "cloudflare:test";
import type { Bindings } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      TEST_SEED: string;
    }
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
  }
}
