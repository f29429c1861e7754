/**
 * Retraining admission: a trigger starts a retraining only outside the cooldown of the last one and under
 * the daily cap. Together with one lifecycle per model (which runs one attempt at a time and coalesces
 * triggers), a burst of drift signals gives one retraining.
 */

/** Limits of the retraining policy. */
export interface RetrainingLimits {
  cooldownSeconds: number;
  maxPerDay: number;
}

/** Defaults: one hour of cooldown, at most four retrainings a UTC day. */
export const DEFAULT_RETRAINING_LIMITS: RetrainingLimits = { cooldownSeconds: 3600, maxPerDay: 4 };

/** Whether a trigger at `now` may start a retraining, given the start times (ISO) of earlier ones. */
export function admitRetraining(input: { now: number; starts: string[]; limits: RetrainingLimits }): {
  admitted: boolean;
  reason?: string;
} {
  const { now, limits } = input;
  const times = input.starts.map((s) => Date.parse(s)).filter((t) => Number.isFinite(t));
  const last = times.length > 0 ? Math.max(...times) : undefined;
  if (last !== undefined && now - last < limits.cooldownSeconds * 1000) {
    const left = Math.ceil((limits.cooldownSeconds * 1000 - (now - last)) / 1000);
    return {
      admitted: false,
      reason: `cooldown: the last retraining started ${Math.floor((now - last) / 1000)} s ago (${left} s left)`,
    };
  }
  const day = new Date(now).toISOString().slice(0, 10);
  const today = times.filter((t) => new Date(t).toISOString().slice(0, 10) === day).length;
  if (today >= limits.maxPerDay) {
    return {
      admitted: false,
      reason: `daily cap: ${today} retrainings already started today (max ${limits.maxPerDay})`,
    };
  }
  return { admitted: true };
}

/** The start times worth keeping: today's and the latest (enough for both rules), so carried state stays small. */
export function pruneStarts(starts: string[], now: number): string[] {
  const day = new Date(now).toISOString().slice(0, 10);
  const sorted = [...starts].sort();
  const keep = sorted.filter((s) => s.slice(0, 10) === day);
  const latest = sorted[sorted.length - 1];
  return latest && !keep.includes(latest) ? [latest, ...keep] : keep;
}
