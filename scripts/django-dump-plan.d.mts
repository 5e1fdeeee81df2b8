// Types of scripts/django-dump-plan.mjs for the tests that run it inside workerd.
export class DumpError extends Error {}

export interface DumpEntry {
  model: string;
  pk: number;
  fields: Record<string, unknown>;
}

export interface Dump {
  plans: DumpEntry[];
  users: DumpEntry[];
  emailAddresses: DumpEntry[];
  socialAccounts: DumpEntry[];
  unknownModels: Record<string, number>;
}

export interface ExistingState {
  plans: Array<{
    id: number;
    name: string;
    stripe_monthly_price_id: string | null;
    stripe_yearly_price_id: string | null;
  }>;
  users: Array<Record<string, unknown>>;
}

export interface ImportReport {
  plans: {
    created: string[];
    updated: string[];
    /** Prices the dump lacks that we have: kept, not blanked. */
    keptPrices: Array<{ plan: string; billing: "monthly" | "yearly"; price: string }>;
  };
  users: {
    created: number;
    updated: number;
    unchanged: number;
    passwordsUpdated: number;
    skipped: Array<{ pk: number; username: string; reason: string }>;
  };
  needPasswordReset: Array<{ pk: number; username: string }>;
  linkedIdentities: number;
  unknownModels: Record<string, number>;
}
export function readDump(text: string): Dump;
export function digestOf(row: Record<string, unknown>): Promise<string>;
export const EXISTING_QUERIES: { plans: string; users: string };
export const LEGACY_HASH_QUERY: string;
export function planImport(
  dump: Dump,
  existing: ExistingState,
): Promise<{ statements: string[]; report: ImportReport }>;
