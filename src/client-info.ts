import type { Context } from "hono";

/** What sessions and security events record about the client behind a request. */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

/** The client's address as Cloudflare's edge reports it (it overwrites whatever the client sent). */
export function clientIp(c: Context): string | undefined {
  return c.req.header("cf-connecting-ip");
}

export function clientInfo(c: Context): ClientInfo {
  return { userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null, ip: clientIp(c) ?? null };
}
