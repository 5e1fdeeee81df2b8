import { DISPOSABLE_DOMAINS } from "./disposable-domains";

/** Mail providers most sign-ups use; a domain one keystroke away from one of these is likely a typo. */
const POPULAR_DOMAINS = [
  "gmail.com",
  "googlemail.com",
  "yahoo.com",
  "ymail.com",
  "hotmail.com",
  "hotmail.co.uk",
  "outlook.com",
  "live.com",
  "icloud.com",
  "protonmail.com",
  "yandex.com",
  "comcast.net",
];

/** Real providers that sit one keystroke away from a popular one: never "corrected". */
const LEGITIMATE_NEIGHBOURS = new Set(["mail.com", "email.com", "gmx.com", "hotmail.co", "yahoo.co.jp"]);

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The address with its domain corrected, when the domain looks like a typo of a popular provider. */
export function suggestEmailCorrection(email: string): string | undefined {
  const at = email.lastIndexOf("@");
  const domain = email.slice(at + 1);
  if (POPULAR_DOMAINS.includes(domain) || LEGITIMATE_NEIGHBOURS.has(domain)) return undefined;
  const match = POPULAR_DOMAINS.find((popular) => editDistance(domain, popular) === 1);
  return match ? `${email.slice(0, at)}@${match}` : undefined;
}

/** True for a disposable-mailbox domain or any subdomain of one. */
export function isDisposableEmail(email: string): boolean {
  const labels = email.slice(email.lastIndexOf("@") + 1).split(".");
  for (let i = 0; i < labels.length - 1; i++) {
    if (DISPOSABLE_DOMAINS.has(labels.slice(i).join("."))) return true;
  }
  return false;
}

/** What is wrong with an address someone wants to register with (already known to be well-formed). */
export function newEmailProblems(email: string): string[] {
  if (isDisposableEmail(email)) return ["Disposable e-mail addresses are not allowed."];
  const suggestion = suggestEmailCorrection(email);
  return suggestion ? [`Did you mean ${suggestion}?`] : [];
}
