/**
 * ROC AUC scores gathered run by run (lib/model/roc-scores.ts): float32 scores sorted as radix keys, any other
 * number through sorted runs, and a stream that meets its first float64 score halfway: all give the pairwise AUC.
 */
import fc from 'fast-check';
import { xorshift } from '../helpers/random';
import { RocScores } from '../../lib/model/roc-scores';

/** The share of (positive, negative) pairs ordered right, ties half: O(n²), plainly. */
function pairwise(truth: Int32Array, scores: Float64Array): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== 1) continue;
    for (let j = 0; j < truth.length; j++) {
      if (truth[j] === 1) continue;
      pairs++;
      wins += scores[j] < scores[i] ? 1 : scores[j] === scores[i] ? 0.5 : 0;
    }
  }
  return pairs === 0 ? Number.NaN : wins / pairs;
}

/** Scores of `kind`: float32 values (coarse ones tie), float64 values, or float32 with one float64 value late on. */
const cases = fc
  .record({
    rows: fc.integer({ min: 1, max: 400 }),
    kind: fc.constantFrom('float32', 'coarse', 'float64', 'switch'),
    seed: fc.integer(),
    runs: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ rows, kind, seed, runs }) => {
    const next = xorshift(seed);
    const truth = new Int32Array(rows);
    const scores = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      truth[r] = next() < 0.4 ? 1 : 0;
      const v = kind === 'coarse' ? Math.floor(next() * 5) / 4 - 0.25 : next() * 2 - 1;
      scores[r] = kind === 'float64' ? v : Math.fround(v);
      // −0 and +0 are one score.
      if (kind === 'coarse' && scores[r] === 0 && next() < 0.5) scores[r] = -0;
    }
    if (kind === 'switch') scores[Math.floor(rows * 0.7)] = 0.1 + 1e-12;
    return { truth, scores, runs };
  });

describe('ROC AUC scores', () => {
  it('give the pairwise AUC, ties half, whatever the scores and the runs they come in (property)', () => {
    fc.assert(
      fc.property(cases, ({ truth, scores, runs }) => {
        const roc = new RocScores();
        for (let from = 0, i = 0; from < truth.length; i++) {
          const to = Math.min(truth.length, from + runs[i % runs.length]);
          // Scores interleaved with another column, as probabilities of two classes are.
          const wide = new Float64Array(2 * (to - from));
          for (let r = from; r < to; r++) wide[2 * (r - from) + 1] = scores[r];
          roc.add(truth.subarray(from, to), 1, wide, 2, 1, to - from);
          from = to;
        }
        const expected = pairwise(truth, scores);
        if (Number.isNaN(expected)) expect(roc.auc()).toBeNaN();
        else expect(roc.auc()).toBeCloseTo(expected, 12);
      }),
      { numRuns: 300 },
    );
  });

  it('sorts float32 keys of a large stream in order (the radix path with all three digits in use)', () => {
    const roc = new RocScores();
    const n = 200_000;
    const truth = new Int32Array(n);
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      // Scores over many magnitudes and both signs; truth follows the score, so the AUC is high but not 1.
      scores[i] = Math.fround((i % 2 ? -1 : 1) * Math.exp(((i * 7919) % 1000) / 40 - 12));
      truth[i] = (i * 7919) % 1000 > 300 && scores[i] > 0 ? 1 : (i * 31) % 17 === 0 ? 1 : 0;
    }
    roc.add(truth, 1, scores, 1, 0, n);
    // The same AUC by a sort of the scores with their labels: count, for each positive, the negatives below it.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
    let negatives = 0;
    let wins = 0;
    let positives = 0;
    for (let k = 0; k < n;) {
      let end = k;
      let pos = 0;
      let neg = 0;
      while (end < n && scores[order[end]] === scores[order[k]]) {
        if (truth[order[end++]] === 1) pos++;
        else neg++;
      }
      wins += pos * (negatives + neg / 2);
      positives += pos;
      negatives += neg;
      k = end;
    }
    expect(roc.auc()).toBeCloseTo(wins / positives / negatives, 12);
  });
});
