/**
 * The classification metrics gathered run by run must be those of one pass over all rows: the same numbers bit for
 * bit whatever the run sizes, and the definitions checked against a plain reference written here.
 */
import fc from 'fast-check';
import { xorshift } from '../helpers/random';
import { ClassificationStream, classificationMetrics } from '../../lib/model/metrics';
import type { ClassificationInput } from '../../lib/model/metrics';

/** Rows of k classes with float32 probabilities (ties, exact 0 and 1, and a few NaN), truth and predictions. */
const inputs = fc
  .record({
    k: fc.integer({ min: 2, max: 4 }),
    rows: fc.integer({ min: 1, max: 300 }),
    seed: fc.integer(),
    nan: fc.boolean(),
    coarse: fc.boolean(),
  })
  .map(({ k, rows, seed, nan, coarse }): ClassificationInput => {
    const next = xorshift(seed);
    const truth = new Int32Array(rows);
    const predicted = new Int32Array(rows);
    const probabilities = new Float64Array(rows * k);
    for (let r = 0; r < rows; r++) {
      truth[r] = Math.floor(next() * k);
      // −1: a predicted label that is not a class of the model.
      predicted[r] = next() < 0.05 ? -1 : Math.floor(next() * k);
      let sum = 0;
      for (let c = 0; c < k; c++) {
        // Coarse scores tie often; fine ones rarely.
        const v = coarse ? Math.floor(next() * 4) / 4 : next();
        probabilities[r * k + c] = v;
        sum += v;
      }
      for (let c = 0; c < k; c++) {
        probabilities[r * k + c] = Math.fround(sum === 0 ? 1 / k : probabilities[r * k + c] / sum);
      }
      if (nan && next() < 0.02) probabilities[r * k + Math.floor(next() * k)] = Number.NaN;
    }
    return { classes: Array.from({ length: k }, (_, c) => `c${c}`), truth, predicted, probabilities };
  });

/** Cuts [0, n) into runs of the given sizes (cycled), as an evaluation's runs cut a dataset. */
function streamed(input: ClassificationInput, sizes: number[]) {
  const k = input.classes.length;
  const stream = new ClassificationStream(k);
  const n = input.truth.length;
  for (let from = 0, i = 0; from < n; i++) {
    const to = Math.min(n, from + sizes[i % sizes.length]);
    const p = input.probabilities!.slice(from * k, to * k);
    stream.add(input.truth.slice(from, to), input.predicted.slice(from, to), to - from, Float32Array.from(p));
    from = to;
  }
  return stream.result(k);
}

/** ROC AUC of class c as the share of (positive, negative) pairs ordered right, ties half: O(n²), plainly. */
function referenceAuc(input: ClassificationInput, c: number): number {
  const k = input.classes.length;
  const pos: number[] = [];
  const neg: number[] = [];
  input.truth.forEach((t, r) => (t === c ? pos : neg).push(input.probabilities![r * k + c]));
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  let wins = 0;
  for (const p of pos) for (const q of neg) wins += q < p ? 1 : q === p ? 0.5 : 0;
  return wins / pos.length / neg.length;
}

describe('classification metrics gathered run by run', () => {
  it('equal the one-pass metrics bit for bit, whatever the run sizes (property)', () => {
    fc.assert(
      fc.property(inputs, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }), (input, sizes) => {
        expect(streamed(input, sizes)).toEqual(classificationMetrics(input));
      }),
      { numRuns: 200 },
    );
  });

  it('give the ROC AUC of the pairwise definition, ties counting half (property)', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        // A NaN score has no place in the pairwise order (scikit-learn refuses it); the first property covers it.
        fc.pre(!input.probabilities!.some(Number.isNaN));
        const k = input.classes.length;
        const auc = streamed(input, [7]).rocAuc as number;
        const expected =
          k === 2 ? referenceAuc(input, 1) : input.classes.reduce((s, _, c) => s + referenceAuc(input, c), 0) / k;
        if (Number.isNaN(expected)) expect(auc).toBeNaN();
        else expect(auc).toBeCloseTo(expected, 12);
      }),
      { numRuns: 200 },
    );
  });

  it('count a confusion matrix and accuracy over classes a label-only model learns as it goes', () => {
    const stream = new ClassificationStream();
    stream.add(Int32Array.of(0, 1, 1), Int32Array.of(0, 0, 1), 3);
    // A third class appears in a later run.
    stream.add(Int32Array.of(2, 2, 0), Int32Array.of(2, -1, 0), 3);
    const result = stream.result(3);
    expect(result.confusionMatrix).toEqual([
      [2, 0, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    expect(result.accuracy).toBeCloseTo(4 / 6, 15);
    expect(result.rocAuc).toBeUndefined();
    expect(stream.rows).toBe(6);
  });
});
