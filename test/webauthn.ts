/**
 * A software authenticator for the tests: an ES256 key per credential, `none` attestation, a signature
 * counter, answering options as a browser's `navigator.credentials` would (WebAuthn Level 3 JSON).
 * Its small CBOR writer is test code: the worker parses WebAuthn through @simplewebauthn/server.
 * The bench worker imports it too, so it imports nothing of the test kit (`cloudflare:test`).
 */
import { base64UrlToBytes, bytesToBase64Url } from "../src/encoding";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a recursive type needs the interface
interface CborMap extends Map<Cbor, Cbor> {}
type Cbor = number | string | Uint8Array | CborMap | { [key: string]: Cbor };

function cborHead(major: number, value: number): number[] {
  if (value < 24) return [(major << 5) | value];
  if (value < 256) return [(major << 5) | 24, value];
  if (value < 65536) return [(major << 5) | 25, value >> 8, value & 255];
  return [(major << 5) | 26, (value >>> 24) & 255, (value >> 16) & 255, (value >> 8) & 255, value & 255];
}

export function cbor(value: Cbor): Uint8Array {
  if (typeof value === "number") return Uint8Array.from(value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value));
  if (typeof value === "string") {
    const bytes = new TextEncoder().encode(value);
    return Uint8Array.from([...cborHead(3, bytes.length), ...bytes]);
  }
  if (value instanceof Uint8Array) return Uint8Array.from([...cborHead(2, value.length), ...value]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const parts = entries.flatMap(([k, v]) => [...cbor(k), ...cbor(v)]);
  return Uint8Array.from([...cborHead(5, entries.length), ...parts]);
}

const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** ECDSA's raw r||s as the DER that WebAuthn assertions carry. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.slice(start);
    const padded = (trimmed[0] ?? 0) & 0x80 ? Uint8Array.from([0, ...trimmed]) : trimmed;
    return [0x02, padded.length, ...padded];
  };
  const body = [...integer(raw.slice(0, 32)), ...integer(raw.slice(32))];
  return Uint8Array.from([0x30, body.length, ...body]);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

interface Credential {
  id: Uint8Array;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  userHandle: string;
  counter: number;
}

export interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string };
  excludeCredentials?: Array<{ id: string }>;
}

export interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: Array<{ id: string }>;
}

export function softwareAuthenticator(origin = "http://localhost:3000") {
  const credentials: Credential[] = [];
  /** What a test can change about the next answer, to make it wrong in one way. */
  const tamper = {
    origin,
    type: undefined as string | undefined,
    rpId: undefined as string | undefined,
    userPresent: true,
  };

  async function authenticatorData(rpId: string, flags: number, counter: number, attested?: Uint8Array) {
    const counterBytes = [(counter >>> 24) & 255, (counter >> 16) & 255, (counter >> 8) & 255, counter & 255];
    return Uint8Array.from([
      ...(await sha256(new TextEncoder().encode(rpId))),
      flags,
      ...counterBytes,
      ...(attested ?? []),
    ]);
  }

  return {
    credentials,
    tamper,
    /** The ids of its credentials, base64url, as the server lists them. */
    credentialIds: () => credentials.map((c) => bytesToBase64Url(c.id)),
    /** `navigator.credentials.create()` then `.toJSON()` — a new credential, or `reuse`'s id and key again. */
    async create(options: CreationOptions, reuse?: Credential) {
      const pair = reuse
        ? { privateKey: reuse.privateKey, publicKey: reuse.publicKey }
        : ((await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
            "sign",
            "verify",
          ])) as CryptoKeyPair);
      const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
      const id = reuse?.id ?? crypto.getRandomValues(new Uint8Array(32));
      const cose = cbor(
        new Map<Cbor, Cbor>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, base64UrlToBytes(jwk.x ?? "")],
          [-3, base64UrlToBytes(jwk.y ?? "")],
        ]),
      );
      const attested = Uint8Array.from([...new Uint8Array(16), id.length >> 8, id.length & 255, ...id, ...cose]);
      const flags = (tamper.userPresent ? FLAG_UP : 0) | FLAG_UV | FLAG_AT;
      const authData = await authenticatorData(tamper.rpId ?? options.rp.id, flags, 0, attested);
      const clientData = json({
        type: tamper.type ?? "webauthn.create",
        challenge: options.challenge,
        origin: tamper.origin,
        crossOrigin: false,
      });
      if (!reuse)
        credentials.push({
          id,
          privateKey: pair.privateKey,
          publicKey: pair.publicKey,
          userHandle: options.user.id,
          counter: 0,
        });
      const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
      return {
        id: bytesToBase64Url(id),
        rawId: bytesToBase64Url(id),
        type: "public-key",
        authenticatorAttachment: "platform",
        clientExtensionResults: {},
        response: {
          clientDataJSON: bytesToBase64Url(clientData),
          attestationObject: bytesToBase64Url(cbor({ fmt: "none", attStmt: {}, authData })),
          authenticatorData: bytesToBase64Url(authData),
          publicKey: bytesToBase64Url(spki),
          publicKeyAlgorithm: -7,
          transports: ["internal"],
        },
      };
    },
    /** `navigator.credentials.get()` then `.toJSON()`, with `credential` (default: the first one). */
    async get(options: RequestOptions, credential: Credential | undefined = credentials[0], counterStep = 1) {
      if (!credential) throw new Error("no credential");
      credential.counter += counterStep;
      const flags = (tamper.userPresent ? FLAG_UP : 0) | FLAG_UV;
      const authData = await authenticatorData(tamper.rpId ?? options.rpId ?? "localhost", flags, credential.counter);
      const clientData = json({
        type: tamper.type ?? "webauthn.get",
        challenge: options.challenge,
        origin: tamper.origin,
        crossOrigin: false,
      });
      const signed = Uint8Array.from([...authData, ...(await sha256(clientData))]);
      const raw = new Uint8Array(
        await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, credential.privateKey, signed),
      );
      return {
        id: bytesToBase64Url(credential.id),
        rawId: bytesToBase64Url(credential.id),
        type: "public-key",
        authenticatorAttachment: "platform",
        clientExtensionResults: {},
        response: {
          clientDataJSON: bytesToBase64Url(clientData),
          authenticatorData: bytesToBase64Url(authData),
          signature: bytesToBase64Url(derSignature(raw)),
          userHandle: credential.userHandle,
        },
      };
    },
  };
}

export type Authenticator = ReturnType<typeof softwareAuthenticator>;
