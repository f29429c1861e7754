/** Successive halving: rung budgets and promotions, pure so the tuning workflow stays deterministic. */

/** Budgets (epochs) of each rung: minBudget · η^r, capped at maxBudget, last rung exactly maxBudget. */
export function rungBudgets(minBudget: number, maxBudget: number, eta: number): number[] {
  if (!(minBudget >= 1 && maxBudget >= minBudget && eta >= 2))
    throw new RangeError('need 1 <= minBudget <= maxBudget and eta >= 2');
  const budgets: number[] = [];
  for (let b = minBudget; b < maxBudget; b = Math.ceil(b * eta)) budgets.push(b);
  budgets.push(maxBudget);
  return budgets;
}

/** One trial's score at a rung (lower is better); NaN or missing scores rank last. */
export interface RungScore {
  trial: number;
  score: number | undefined;
}

/** The trials promoted to the next rung: the best ⌈n/η⌉ by score, ties broken by trial number. */
export function promote(scores: RungScore[], eta: number): number[] {
  const keep = Math.max(1, Math.ceil(scores.length / eta));
  const rank = (s: RungScore) => (s.score === undefined || Number.isNaN(s.score) ? Infinity : s.score);
  return [...scores]
    .sort((a, b) => rank(a) - rank(b) || a.trial - b.trial)
    .filter((s) => rank(s) !== Infinity)
    .slice(0, keep)
    .map((s) => s.trial);
}
