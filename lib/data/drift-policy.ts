/** Drift policy: which statistic flags a column, and at what threshold. */
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';

/**
 * Thresholds of a drift policy. A numeric column drifts when PSI or the Jensen–Shannon distance is over
 * its threshold, or when KS rejects equality (p-value below `ksPValue`) with an effect of at least
 * `ksStatistic`. A categorical column drifts likewise with chi-square in place of KS (effect: Jensen–
 * Shannon distance of at least half its threshold), or when it holds categories the reference never had.
 * Tests alone would flag any shift in large samples, hence the effect sizes.
 */
export interface DriftPolicy {
  /** PSI above this drifts; 0.2 is the usual "significant shift" line (0.1 "moderate"). */
  psi: number;
  /** Base-2 Jensen–Shannon distance above this drifts. */
  jsDistance: number;
  /** KS p-value below this (with `ksStatistic`) drifts. */
  ksPValue: number;
  /** Smallest KS statistic that counts as an effect. */
  ksStatistic: number;
  /** Chi-square p-value below this (with an effect) drifts. */
  chiSquarePValue: number;
  /** Columns to compare; all columns both sides share when absent. */
  columns?: string[];
}

/** The documented defaults (docs/data-plane.md). */
export const defaultDriftPolicy: DriftPolicy = {
  psi: 0.2,
  jsDistance: 0.1,
  ksPValue: 0.05,
  ksStatistic: 0.1,
  chiSquarePValue: 0.05,
};

const numberKeys = ['psi', 'jsDistance', 'ksPValue', 'ksStatistic', 'chiSquarePValue'] as const;

/** Merges a partial policy (e.g. from a JSON file) over the defaults, rejecting unknown keys and bad values. */
export function parseDriftPolicy(value: unknown, source = 'drift policy'): DriftPolicy {
  if (value === undefined) return { ...defaultDriftPolicy };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DomainError(ErrorType.InvalidContract, `${source}: must be a JSON object`);
  }
  const policy: DriftPolicy = { ...defaultDriftPolicy };
  for (const [key, raw] of Object.entries(value)) {
    if (key === 'columns') {
      if (!Array.isArray(raw) || raw.some((c) => typeof c !== 'string')) {
        throw new DomainError(ErrorType.InvalidContract, `${source}: columns must be an array of names`);
      }
      policy.columns = raw as string[];
    } else if ((numberKeys as readonly string[]).includes(key)) {
      if (typeof raw !== 'number' || !(raw >= 0)) {
        throw new DomainError(ErrorType.InvalidContract, `${source}: ${key} must be a number >= 0`);
      }
      policy[key as (typeof numberKeys)[number]] = raw;
    } else {
      throw new DomainError(ErrorType.InvalidContract, `${source}: ${key} is not a drift policy key`);
    }
  }
  return policy;
}
