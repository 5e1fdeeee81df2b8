/**
 * The one source of the current time. Expiry, rotation, windows and retention all read it, so tests
 * move time by advancing a clock instead of sleeping or editing rows.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Seconds since the epoch, as JWTs and Stripe count them. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

export function secondsAfter(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}
