import fc from 'fast-check';
import { decideGates, gatePolicyProblems, LOWER_IS_BETTER } from '../../workflows/policy/gates';
import type { GatePolicy } from '../../workflows/policy/gates';

const policy: GatePolicy = {
  metrics: { accuracy: { min: 0.8 }, logLoss: { max: 0.5 } },
  champion: { accuracy: { maxRegression: 0.01 }, rmse: { maxRegression: 0.05, relative: true } },
  maxLatencyMsP99: 5,
  minRobustness: 0.95,
};

describe('promotion gates', () => {
  it('passes a candidate within every bound and lists each check', () => {
    const decision = decideGates({
      policy,
      candidate: { metrics: { accuracy: 0.9, logLoss: 0.3, rmse: 1.02 }, latencyMsP99: 1, robustness: 0.99 },
      champion: { metrics: { accuracy: 0.905, rmse: 1 } },
    });
    expect(decision.reasons).toEqual([]);
    expect(decision.passed).toBe(true);
    expect(decision.checks.map((c) => `${c.gate}:${c.metric}`)).toEqual([
      'min:accuracy',
      'max:logLoss',
      'champion:accuracy',
      'champion:rmse',
      'latency:latencyMs.p99',
      'robustness:robustness',
    ]);
  });

  it('fails with one reason per breach, in both directions and relative terms', () => {
    const decision = decideGates({
      policy,
      candidate: { metrics: { accuracy: 0.79, logLoss: 0.6, rmse: 1.2 }, latencyMsP99: 9, robustness: 0.5 },
      champion: { metrics: { accuracy: 0.85, rmse: 1 } },
    });
    expect(decision.passed).toBe(false);
    expect(decision.reasons).toHaveLength(6);
    expect(decision.reasons.join('\n')).toMatch(/rmse regresses by 0\.19\d* \(relative\)/);
  });

  it('skips champion rules for a first model but still fails missing or NaN evidence', () => {
    const decision = decideGates({ policy, candidate: { metrics: { accuracy: Number.NaN } } });
    expect(decision.checks.some((c) => c.gate === 'champion')).toBe(false);
    expect(decision.reasons).toEqual([
      'accuracy is missing or NaN',
      'logLoss is missing or NaN',
      'latencyMs.p99 is missing or NaN',
      'robustness is missing or NaN',
    ]);
  });

  it('fails a champion comparison when the champion lacks the metric', () => {
    const decision = decideGates({
      policy: { champion: { f1: { maxRegression: 0.1 } } },
      candidate: { metrics: { f1: 0.9 } },
      champion: { metrics: {} },
    });
    expect(decision.passed).toBe(false);
    expect(decision.reasons[0]).toMatch(/champion's f1 is missing/);
  });

  const metricNames = fc.constantFrom('accuracy', 'f1', 'rocAuc', 'logLoss', 'rmse', 'ece');
  const value = fc.double({ min: 0, max: 1, noNaN: true });
  const arbPolicy = fc.record({
    metrics: fc.dictionary(metricNames, fc.record({ min: value, max: value }, { requiredKeys: [] })),
    champion: fc.dictionary(
      metricNames,
      fc.record({ maxRegression: fc.double({ min: 0, max: 0.5, noNaN: true }), relative: fc.boolean() }),
    ),
  });
  const evidence = fc.dictionary(metricNames, fc.oneof(value, fc.constant(Number.NaN)));

  it('fails whenever a gated metric is NaN or missing (property)', () => {
    fc.assert(
      fc.property(arbPolicy, evidence, evidence, (p, candidate, champion) => {
        const decision = decideGates({ policy: p, candidate: { metrics: candidate }, champion: { metrics: champion } });
        const gated = [...Object.keys(p.metrics), ...Object.keys(p.champion)];
        const unknown = gated.some((m) => candidate[m] === undefined || Number.isNaN(candidate[m]));
        if (unknown) expect(decision.passed).toBe(false);
        expect(decision.passed).toBe(decision.checks.every((c) => c.passed));
        expect(decision.reasons).toHaveLength(decision.checks.filter((c) => !c.passed).length);
      }),
    );
  });

  it('never turns a pass into a fail when a metric improves (property)', () => {
    fc.assert(
      fc.property(
        arbPolicy,
        evidence,
        evidence,
        metricNames,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (p, c, ch, m, d) => {
          const before = decideGates({ policy: p, candidate: { metrics: c }, champion: { metrics: ch } });
          if (!before.passed || c[m] === undefined) return;
          const better = LOWER_IS_BETTER.includes(m) ? c[m] - d : c[m] + d;
          // Improving a metric can only break an upper bound of a higher-is-better metric (or vice versa).
          const bounds = p.metrics[m];
          if (LOWER_IS_BETTER.includes(m) ? bounds?.min !== undefined : bounds?.max !== undefined) return;
          const after = decideGates({
            policy: p,
            candidate: { metrics: { ...c, [m]: better } },
            champion: { metrics: ch },
          });
          expect(after.passed).toBe(true);
        },
      ),
    );
  });

  it('passes a candidate identical to the champion on every champion rule (property)', () => {
    fc.assert(
      fc.property(arbPolicy, fc.dictionary(metricNames, fc.double({ min: 0.01, max: 1, noNaN: true })), (p, m) => {
        const full = { accuracy: 0.5, f1: 0.5, rocAuc: 0.5, logLoss: 0.5, rmse: 0.5, ece: 0.5, ...m };
        const decision = decideGates({
          policy: { champion: p.champion },
          candidate: { metrics: full },
          champion: { metrics: full },
        });
        expect(decision.passed).toBe(true);
      }),
    );
  });

  it('validates the policy shape', () => {
    expect(gatePolicyProblems(policy)).toEqual([]);
    expect(gatePolicyProblems({ metrics: { a: { least: 1 } }, champion: { b: { maxRegression: -1 } }, x: 1 })).toEqual([
      'unknown key x',
      'metrics.a.least must be min or max, a number',
      'champion.b.maxRegression must be a number >= 0',
    ]);
    expect(gatePolicyProblems([])).toEqual(['gate policy must be an object']);
  });
});
