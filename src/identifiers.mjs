// Shared by the worker (src/db/users.ts) and `npm run import:django` (scripts/, plain Node): one rule.

/**
 * What makes two usernames the same: Django's NFKC normalisation, then case (allauth's rule), so
 * `Admin` and fullwidth `ａｄｍｉｎ` are `admin`. Unique in the schema (`users_username_key_unique`).
 */
export function usernameKey(username) {
  return username.normalize("NFKC").toLowerCase();
}
