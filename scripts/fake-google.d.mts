/** Types of scripts/fake-google.mjs for the test setup. */
export const FAKE_GOOGLE_IDENTITIES: Array<{
  sub: string;
  email: string;
  given_name: string;
  family_name: string;
  email_verified: boolean;
}>;
export function startFakeGoogle(port?: number): Promise<{ port: number; base: string; close: () => Promise<void> }>;
export function fakeGoogleVars(base: string): Record<string, string>;
