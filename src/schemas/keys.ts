import { z } from "@hono/zod-openapi";
import { publicJwk } from "../auth/keys";
import type { SigningJwk } from "../env";

const publicKeySchema = z
  .object({
    kty: z.enum(["EC", "OKP"]),
    crv: z.enum(["P-256", "Ed25519"]),
    x: z.string(),
    y: z.string().optional().openapi({ description: "EC keys only" }),
    kid: z.string(),
    alg: z.enum(["ES256", "EdDSA"]),
    use: z.literal("sig"),
  })
  .openapi("PublicJwk");

export const jwksSchema = z
  .object({ keys: z.array(publicKeySchema) })
  .openapi("Jwks", { description: "The public half of every access-token signing key (none while tokens are HS256)" });

/** The JWKS: public members only — never `d`. */
export function serializeJwks(keys: SigningJwk[] | undefined): z.infer<typeof jwksSchema> {
  return { keys: (keys ?? []).map(publicJwk) };
}
