// `npm run keys:generate -- --alg ES256|EdDSA [--kid K]`: prints one new private JWK for JWT_SIGNING_KEYS
// (compact JSON on one line, a random kid unless given) on stdout, and nothing else there.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";

const CURVES = { ES256: ["ec", { namedCurve: "P-256" }], EdDSA: ["ed25519", {}] };

/** A new private signing key as a JWK with its `kid` and `alg`, as the worker reads JWT_SIGNING_KEYS. */
export function generateSigningJwk(alg = "ES256", kid = randomBytes(8).toString("hex")) {
  const curve = CURVES[alg];
  if (!curve) throw new Error(`--alg must be ES256 or EdDSA, not ${alg}`);
  const { privateKey } = generateKeyPairSync(curve[0], curve[1]);
  return { kid, alg, ...privateKey.export({ format: "jwk" }) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { alg: { type: "string", default: "ES256" }, kid: { type: "string" } } });
  try {
    process.stdout.write(`${JSON.stringify(generateSigningJwk(values.alg, values.kid))}\n`);
  } catch (error) {
    console.error(`keys:generate: ${error.message}`);
    process.exit(1);
  }
}
