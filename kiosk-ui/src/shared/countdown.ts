// The visible session countdown: how long is left, how it reads, and when to announce it.

export function secondsLeft(expiresAt: string | number, now: number): number {
  const end = typeof expiresAt === 'number' ? expiresAt : Date.parse(expiresAt);
  if (Number.isNaN(end)) return 0;
  return Math.max(0, Math.ceil((end - now) / 1000));
}

/** m:ss */
export function formatSeconds(total: number): string {
  const s = Math.max(0, Math.floor(total));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Moments at which screen readers hear the remaining time (a timer read every second is noise). */
export const ANNOUNCE_AT: readonly number[] = [120, 60, 30, 10];

/** The announcement threshold crossed between two ticks, if any. */
export function crossedThreshold(previous: number, current: number): number | undefined {
  return ANNOUNCE_AT.find((t) => previous > t && current <= t);
}

export function isWarning(seconds: number): boolean { return seconds <= 60; }
