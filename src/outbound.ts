import type { Logger } from "./log";

/**
 * The one way edge-accounts calls another service (Stripe, Google): every service's base URL is
 * configuration (tests and `npm run dev` point it at a local fake), every call has a timeout, and
 * whatever goes wrong on the way — no answer, a timeout, an error status — is an `OutboundError`
 * naming the service and the status (0: no answer), logged by the caller with the request id.
 */
export class OutboundError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
    readonly type = "unknown",
  ) {
    super(`${service} answered ${status === 0 ? "nothing" : status} (${type})`);
  }
}

export interface OutboundAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body was not JSON. */
  body: unknown;
}

export interface OutboundClient {
  readonly service: string;
  readonly log: Logger;
  /** A request to `path` under the service's base URL (or to an absolute URL of the service). */
  fetch(pathOrUrl: string, init?: RequestInit): Promise<OutboundAnswer>;
}

export function createOutboundClient(options: {
  service: string;
  baseUrl: string;
  timeoutMs: number;
  log: Logger;
}): OutboundClient {
  const { service, baseUrl, timeoutMs, log } = options;
  return {
    service,
    log,
    async fetch(pathOrUrl, init = {}) {
      const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${baseUrl}${pathOrUrl}`;
      let response: Response;
      try {
        response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new OutboundError(service, 0, error instanceof Error ? error.name : "network");
      }
      const text = await response.text().catch(() => "");
      let body: unknown;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: response.status, headers: response.headers, body };
    },
  };
}
