/**
 * Outputs written in place (lib/model/output-segments.ts): onnxruntime fills views of one buffer per output over
 * several runs, and the segment then holds exactly what the runs would have returned.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../lib/model/load';
import { OutputSegment, outputLayout } from '../../lib/model/output-segments';
import { exportOnnx } from '../../lib/training/export';
import { tempDir } from '../helpers/temporal';

const fixtures = join(__dirname, '..', 'fixtures', 'evaluation');

/** A small exported classifier: 3 features → 4 hidden → 2 classes, outputs `label` (int64) and `probabilities`. */
function classifier(): Uint8Array {
  const weights = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + k));
  return exportOnnx({
    specs: ['a', 'b', 'c'].map((name) => ({ name, kind: 'numeric' as const, mean: 0, std: 1 })),
    layers: [
      { inputs: 3, outputs: 4, w: weights(12, 1), b: weights(4, 2) },
      { inputs: 4, outputs: 2, w: weights(8, 3), b: weights(2, 4) },
    ],
    classes: ['0', '1'],
    label: 'y',
  });
}

/** Feeds of rows [from, to) of a seeded float32 column per input. */
function feeds(names: string[], from: number, to: number): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  names.forEach((name, c) => {
    const values = Float32Array.from({ length: to - from }, (_, r) => Math.cos((from + r) * 0.37 + c * 2.1) * 3);
    out[name] = new ort.Tensor('float32', values, [to - from, 1]);
  });
  return out;
}

async function compare(modelPath: string, inputs: string[], fetches: string[]) {
  const model = await loadModel(modelPath);
  try {
    const runs = [
      [0, 5],
      [5, 8],
      [8, 15],
    ];
    const plain = [];
    for (const [from, to] of runs) plain.push(await model.session.run(feeds(inputs, from, to), fetches));
    const layout = outputLayout(plain[0], fetches, 5);
    expect(layout).toBeDefined();
    const segment = new OutputSegment(layout!, 0, 15);
    for (const [from, to] of runs) {
      await model.session.run(feeds(inputs, from, to), segment.fetches(to - from));
      segment.advance(to - from);
    }
    expect(segment.full).toBe(true);
    const { outputs, transfer } = segment.take();
    expect(transfer).toHaveLength(fetches.length);
    for (const name of fetches) {
      const joined = plain.flatMap((results) => Array.from(results[name].data as ArrayLike<number | bigint>));
      expect(Array.from(outputs[name].data as ArrayLike<number | bigint>)).toEqual(joined);
      expect(outputs[name].dims[0]).toBe(15);
    }
  } finally {
    await model.session.release();
  }
}

describe('output segments', () => {
  it('hold what three runs of an exported classifier return (int64 labels, float32 probabilities)', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const path = join(dir, 'classifier.onnx');
      await writeFile(path, classifier());
      await compare(path, ['a', 'b', 'c'], ['label', 'probabilities']);
    } finally {
      await cleanup();
    }
  });

  it('hold what the runs of a regression model return ([N, 1] float32)', async () => {
    await compare(join(fixtures, 'regression', 'model.onnx'), ['x1', 'x2', 'x3'], ['variable']);
  });

  it('send only the rows written when cut short, and refuse outputs that cannot be written in place', async () => {
    const model = await loadModel(join(fixtures, 'binary-nozipmap', 'model.onnx'));
    try {
      const input = {
        ...feeds(['age', 'income', 'tenure'], 0, 4),
        plan: new ort.Tensor('string', ['basic', 'pro', 'basic', 'enterprise'], [4, 1]),
      };
      const results = await model.session.run(input, ['label', 'probabilities']);
      // String labels cannot be pre-allocated.
      expect(outputLayout(results, ['label', 'probabilities'], 4)).toBeUndefined();
      // Output rows that are not the run's rows are not laid out either.
      expect(outputLayout(results, ['probabilities'], 3)).toBeUndefined();
      const layout = outputLayout(results, ['probabilities'], 4)!;
      const segment = new OutputSegment(layout, 10, 8);
      await model.session.run(input, segment.fetches(4));
      segment.advance(4);
      const { outputs } = segment.take();
      expect(outputs.probabilities.dims).toEqual([4, 2]);
      expect(Array.from(outputs.probabilities.data as Float32Array)).toEqual(
        Array.from(results.probabilities.data as Float32Array),
      );
    } finally {
      await model.session.release();
    }
  });
});
