/** See src/identifiers.mjs. */
export function usernameKey(username: string): string;
