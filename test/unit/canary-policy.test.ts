import { canaryPolicyProblems, DEFAULT_CANARY_POLICY, judgeCanary } from '../../workflows/policy/canary';
import type { CanaryPolicy, VersionWindow } from '../../workflows/policy/canary';
import { seededRandom } from '../../workflows/policy/random';
import {
  chiSquareUpperTail,
  compareCounts,
  errorRateExcessPValue,
  normalUpperTail,
} from '../../workflows/policy/stats';

interface VersionModel {
  errorRate: number;
  latencyMs: number;
  /** Probability of predicting class "yes". */
  positiveRate: number;
}

/** Seeded traffic: Poisson arrivals at `rate` per second, each routed to the canary with the step's weight. */
class TrafficSimulator {
  private readonly random: () => number;
  constructor(
    seed: number,
    private readonly rate: number,
  ) {
    this.random = seededRandom(seed);
  }

  private poisson(mean: number): number {
    // Normal approximation with continuity correction: the means here are in the hundreds or more.
    const u = 1 - this.random();
    const v = this.random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }

  window(seconds: number, weight: number, stable: VersionModel, canary: VersionModel): [VersionWindow, VersionWindow] {
    const total = this.poisson(this.rate * seconds);
    const sample = (model: VersionModel, n: number): VersionWindow => {
      let errors = 0;
      let yes = 0;
      const latencies: number[] = [];
      for (let i = 0; i < n; i++) {
        if (this.random() < model.errorRate) errors++;
        if (this.random() < model.positiveRate) yes++;
        latencies.push(model.latencyMs * Math.exp(0.3 * (this.random() - 0.5)));
      }
      latencies.sort((a, b) => a - b);
      const at = (p: number) => (n === 0 ? 0 : latencies[Math.min(n - 1, Math.ceil(p * n) - 1)]);
      return {
        requests: n,
        errors,
        latencyMs: { p50: at(0.5), p99: at(0.99) },
        predictions: { kind: 'classes', counts: { yes, no: n - yes } },
      };
    };
    let toCanary = 0;
    for (let i = 0; i < total; i++) if (this.random() < weight) toCanary++;
    return [sample(stable, total - toCanary), sample(canary, toCanary)];
  }
}

function merge(a: VersionWindow, b: VersionWindow): VersionWindow {
  const counts = (w: VersionWindow) => (w.predictions?.kind === 'classes' ? w.predictions.counts : {});
  const ca = counts(a);
  const cb = counts(b);
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    latencyMs: { p50: Math.max(a.latencyMs.p50, b.latencyMs.p50), p99: Math.max(a.latencyMs.p99, b.latencyMs.p99) },
    predictions: { kind: 'classes', counts: { yes: (ca.yes ?? 0) + (cb.yes ?? 0), no: (ca.no ?? 0) + (cb.no ?? 0) } },
  };
}

/** Runs one rollout through every step as the workflow does (figures accumulate); returns the outcome. */
function simulateRollout(seed: number, policy: CanaryPolicy, stable: VersionModel, canary: VersionModel): string {
  const sim = new TrafficSimulator(seed, 20);
  let totalStable: VersionWindow | undefined;
  let totalCanary: VersionWindow | undefined;
  for (const step of policy.steps) {
    let stepCanary = 0;
    let waited = 0;
    for (let seconds = policy.bakeSeconds; ; seconds = policy.bakeSeconds / 2) {
      const [s, c] = sim.window(seconds, step / 100, stable, canary);
      totalStable = totalStable ? merge(totalStable, s) : s;
      totalCanary = totalCanary ? merge(totalCanary, c) : c;
      stepCanary += c.requests;
      const verdict = judgeCanary({
        policy,
        stable: totalStable,
        canary: totalCanary,
        stepCanaryRequests: stepCanary,
        waitedSeconds: waited,
      });
      if (verdict.decision === 'rollback' || verdict.decision === 'abort') return verdict.decision;
      if (verdict.decision === 'advance') break;
      waited += policy.bakeSeconds / 2;
    }
  }
  return 'promoted';
}

describe('canary policy', () => {
  const healthy: VersionModel = { errorRate: 0.01, latencyMs: 2, positiveRate: 0.3 };

  it('rolls back at most 5% of 200 A/A canaries (seeded traffic simulator)', () => {
    let rollbacks = 0;
    for (let seed = 1; seed <= 200; seed++) {
      if (simulateRollout(seed, DEFAULT_CANARY_POLICY, healthy, healthy) !== 'promoted') rollbacks++;
    }
    expect(rollbacks / 200).toBeLessThanOrEqual(0.05);
  });

  it('detects a 1% → 3% error increase in at least 95% of 200 canaries', () => {
    let detected = 0;
    for (let seed = 1001; seed <= 1200; seed++) {
      if (simulateRollout(seed, DEFAULT_CANARY_POLICY, healthy, { ...healthy, errorRate: 0.03 }) === 'rollback')
        detected++;
    }
    expect(detected / 200).toBeGreaterThanOrEqual(0.95);
  });

  it('rolls back a 5x slower canary and one whose predictions shifted', () => {
    expect(simulateRollout(7, DEFAULT_CANARY_POLICY, healthy, { ...healthy, latencyMs: 10 })).toBe('rollback');
    expect(simulateRollout(8, DEFAULT_CANARY_POLICY, healthy, { ...healthy, positiveRate: 0.7 })).toBe('rollback');
  });

  it('waits for traffic, then aborts: a canary without traffic is never promoted', () => {
    const idle: VersionWindow = { requests: 0, errors: 0, latencyMs: { p50: 0, p99: 0 } };
    const busy: VersionWindow = { requests: 5000, errors: 50, latencyMs: { p50: 1, p99: 2 } };
    const policy = DEFAULT_CANARY_POLICY;
    expect(judgeCanary({ policy, stable: busy, canary: busy, stepCanaryRequests: 0, waitedSeconds: 0 }).decision).toBe(
      'wait',
    );
    const late = judgeCanary({
      policy,
      stable: busy,
      canary: idle,
      stepCanaryRequests: 0,
      waitedSeconds: policy.maxWaitSeconds,
    });
    expect(late.decision).toBe('abort');
    expect(late.reasons[0]).toMatch(/not enough traffic: canary 0/);
  });

  it('validates policies', () => {
    expect(canaryPolicyProblems(DEFAULT_CANARY_POLICY)).toEqual([]);
    expect(canaryPolicyProblems({ ...DEFAULT_CANARY_POLICY, steps: [50, 25] })).toHaveLength(1);
    expect(canaryPolicyProblems({ ...DEFAULT_CANARY_POLICY, alpha: 0 })).toEqual(['alpha must be in (0, 0.5)']);
  });

  it('computes tails and count comparisons like the textbook values', () => {
    expect(normalUpperTail(1.959963985)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-1)).toBeCloseTo(0.841344746, 6);
    // scipy.stats.chi2.sf(3.841458821, 1) = 0.05; chi2.sf(10, 4) = 0.040427681994512805
    expect(chiSquareUpperTail(3.841458821, 1)).toBeCloseTo(0.05, 8);
    expect(chiSquareUpperTail(10, 4)).toBeCloseTo(0.040427681994512805, 10);
    const same = compareCounts([100, 300], [100, 300]);
    expect(same.psi).toBeCloseTo(0, 12);
    expect(same.pValue).toBeCloseTo(1, 12);
    expect(compareCounts([300, 100], [100, 300]).pValue).toBeLessThan(1e-10);
    // Equal shares: P(X >= 1) for X ~ Binomial(2, 1/2) = 0.75; scipy.stats.binom.sf(4, 20, 0.25) = 0.5851585...
    expect(errorRateExcessPValue(1, 100, 1, 100)).toBeCloseTo(0.75, 12);
    expect(errorRateExcessPValue(5, 100, 15, 300)).toBeCloseTo(0.58515846, 7);
    expect(errorRateExcessPValue(0, 100, 0, 100)).toBe(1);
  });
});
