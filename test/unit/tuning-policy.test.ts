import fc from 'fast-check';
import { gridSize, sampleTrials, searchSpaceProblems } from '../../workflows/policy/search-space';
import { promote, rungBudgets } from '../../workflows/policy/successive-halving';

describe('successive halving policy', () => {
  it('lays out rung budgets geometrically, ending at the maximum', () => {
    expect(rungBudgets(1, 9, 3)).toEqual([1, 3, 9]);
    expect(rungBudgets(1, 10, 3)).toEqual([1, 3, 9, 10]);
    expect(rungBudgets(2, 2, 3)).toEqual([2]);
    expect(() => rungBudgets(0, 3, 3)).toThrow(RangeError);
  });

  it('promotes the best ceil(n/eta), never a failed trial, ties by trial number', () => {
    const scores = [
      { trial: 0, score: 0.5 },
      { trial: 1, score: 0.2 },
      { trial: 2, score: undefined },
      { trial: 3, score: 0.2 },
      { trial: 4, score: Number.NaN },
    ];
    expect(promote(scores, 2)).toEqual([1, 3, 0]);
    expect(promote(scores, 3)).toEqual([1, 3]);
    expect(promote([{ trial: 0, score: undefined }], 3)).toEqual([]);
  });

  it('keeps the best scores, a shrinking share, with no duplicates (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 2, max: 5 }),
        (values, eta) => {
          const scores = values.map((score, trial) => ({ trial, score }));
          const kept = promote(scores, eta);
          expect(kept.length).toBe(Math.ceil(values.length / eta));
          expect(new Set(kept).size).toBe(kept.length);
          const worstKept = Math.max(...kept.map((t) => values[t]));
          const dropped = scores.filter((s) => !kept.includes(s.trial));
          for (const d of dropped) expect(d.score).toBeGreaterThanOrEqual(worstKept);
        },
      ),
    );
  });
});

describe('search spaces', () => {
  it('enumerates a grid of choices in order', () => {
    const space = {
      hidden: { type: 'choice' as const, values: [[8], [16]] },
      learningRate: { type: 'choice' as const, values: [0.01, 0.1] },
      l2: 0,
    };
    expect(gridSize(space)).toBe(4);
    expect(sampleTrials(space, 4, 1)).toEqual([
      { hidden: [8], learningRate: 0.01, l2: 0 },
      { hidden: [16], learningRate: 0.01, l2: 0 },
      { hidden: [8], learningRate: 0.1, l2: 0 },
      { hidden: [16], learningRate: 0.1, l2: 0 },
    ]);
  });

  it('draws seeded random values inside their ranges', () => {
    const space = {
      learningRate: { type: 'loguniform' as const, min: 1e-4, max: 1e-1 },
      dropout: { type: 'uniform' as const, min: 0, max: 0.5 },
      batchSize: { type: 'int' as const, min: 32, max: 256 },
    };
    const a = sampleTrials(space, 50, 7);
    expect(sampleTrials(space, 50, 7)).toEqual(a);
    expect(sampleTrials(space, 50, 8)).not.toEqual(a);
    for (const t of a) {
      expect(t.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(t.learningRate).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(t.batchSize)).toBe(true);
    }
  });

  it('reports malformed ranges', () => {
    expect(
      searchSpaceProblems({
        a: { type: 'loguniform', min: 0, max: 1 },
        b: { type: 'choice', values: [] },
        c: { type: 'int', min: 3, max: 1 },
      }),
    ).toEqual([
      'a: loguniform needs min > 0',
      'b: choice needs values',
      'c: min and max must be numbers with min <= max',
    ]);
  });
});
