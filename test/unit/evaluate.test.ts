import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, tableFromArrays } from 'apache-arrow';
import { ErrorType } from '../../workflows/contracts';
import { evaluateModel } from '../../lib/model/evaluate';
import { writeTable } from '../../lib/data/write';
import { exportOnnx } from '../../lib/training/export';
import { readTable } from '../helpers/data';

const fixtures = join(__dirname, '..', 'fixtures', 'evaluation');
const file = (dir: string, name: string) => join(fixtures, dir, name);

interface Expected {
  label: string;
  rows: number;
  classes?: string[];
  metrics: Record<string, number>;
  confusionMatrix?: number[][];
}

async function expected(dir: string): Promise<Expected> {
  return JSON.parse(await readFile(file(dir, 'expected.json'), 'utf8')) as Expected;
}

async function rejection(promise: Promise<unknown>): Promise<{ type: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { type: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('evaluateModel on models exported by skl2onnx', () => {
  it.each([
    ['binary', 'binary'],
    ['binary', 'binary-nozipmap'],
    ['multiclass', 'multiclass'],
    ['multiclass', 'multiclass-nozipmap'],
    ['regression', 'regression'],
  ])('matches scikit-learn metrics on %s data with the %s model to 1e-6', async (data, model) => {
    const want = await expected(data);
    const report = await evaluateModel({
      model: file(model, 'model.onnx'),
      dataset: file(data, 'data.parquet'),
      label: want.label,
    });
    expect(report.rows).toBe(want.rows);
    expect(Object.keys(report.metrics).sort()).toEqual(Object.keys(want.metrics).sort());
    for (const [name, value] of Object.entries(want.metrics)) {
      expect(Math.abs(report.metrics[name] - value)).toBeLessThan(1e-6);
    }
    expect(report.confusionMatrix).toEqual(want.confusionMatrix);
    if (want.classes) expect(report.classes).toEqual(want.classes);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50);
    expect(report.robustness.unchanged).toBeGreaterThan(0.5);
    expect(report.robustness.unchanged).toBeLessThanOrEqual(1);
  });

  it('gives the same predictions whatever the batch size, and robustness 1 without noise', async () => {
    const want = await expected('binary');
    for (const batchSize of [1, 7, 128]) {
      const report = await evaluateModel({
        model: file('binary', 'model.onnx'),
        dataset: file('binary', 'data.parquet'),
        label: 'churn',
        batchSize,
        latencySamples: 5,
        robustness: { scale: 0 },
      });
      expect(report.confusionMatrix).toEqual(want.confusionMatrix);
      expect(report.metrics.accuracy).toBe(want.metrics.accuracy);
      expect(Math.abs(report.metrics.logLoss - want.metrics.logLoss)).toBeLessThan(1e-6);
      expect(report.robustness.unchanged).toBe(1);
    }
    const noisy = await evaluateModel({
      model: file('regression', 'model.onnx'),
      dataset: file('regression', 'data.parquet'),
      label: 'y',
      robustness: { scale: 0.5, seed: 3 },
    });
    expect(noisy.robustness.unchanged).toBeLessThan(0.5);
  });

  it('reads CSV with the same result as Parquet (columns bound by name, ints fed as floats)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-'));
    const want = await expected('binary');

    const table = await readTable(file('binary', 'data.parquet'));
    const csv = join(dir, 'data.csv');
    await writeTable(table, csv);
    const report = await evaluateModel({ model: file('binary', 'model.onnx'), dataset: csv, label: 'churn' });
    expect(Math.abs(report.metrics.rocAuc - want.metrics.rocAuc)).toBeLessThan(1e-6);
  });

  it('takes the feature order of a matrix input from --features as well as from metadata', async () => {
    const want = await expected('multiclass');
    const features = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
    const dir = await mkdtemp(join(tmpdir(), 'eval-'));
    const report = await evaluateModel({
      model: file('multiclass', 'model.onnx'),
      dataset: file('multiclass', 'data.parquet'),
      label: 'species',
      features,
    });
    expect(report.metrics.accuracy).toBeCloseTo(want.metrics.accuracy, 12);
    const reversed = await evaluateModel({
      model: file('multiclass', 'model.onnx'),
      dataset: file('multiclass', 'data.parquet'),
      label: 'species',
      features: [...features].reverse(),
    });
    expect(reversed.metrics.accuracy).not.toBeCloseTo(want.metrics.accuracy, 6);
    const err = await rejection(
      evaluateModel({
        model: file('multiclass', 'model.onnx'),
        dataset: file('multiclass', 'data.parquet'),
        label: 'species',
        features: ['sepal_length'],
      }),
    );
    expect(err.type).toBe(ErrorType.ModelInputMismatch);
    expect(dir).toBeTruthy();
  });

  it('refuses a malformed model, mismatched inputs and a missing label with typed errors', async () => {
    const malformed = await rejection(
      evaluateModel({
        model: file('malformed', 'model.onnx'),
        dataset: file('binary', 'data.parquet'),
        label: 'churn',
      }),
    );
    expect(malformed.type).toBe(ErrorType.ModelInvalid);
    const dir = await mkdtemp(join(tmpdir(), 'eval-'));
    const garbage = join(dir, 'garbage.onnx');
    await writeFile(garbage, 'not a model at all');
    expect(
      (await rejection(evaluateModel({ model: garbage, dataset: file('binary', 'data.parquet'), label: 'churn' })))
        .type,
    ).toBe(ErrorType.ModelInvalid);
    const missing = await rejection(
      evaluateModel({ model: join(dir, 'absent.onnx'), dataset: file('binary', 'data.parquet'), label: 'churn' }),
    );
    expect(missing.type).toBe(ErrorType.ModelInvalid);
    const mismatch = await rejection(
      evaluateModel({
        model: file('regression', 'model.onnx'),
        dataset: file('binary', 'data.parquet'),
        label: 'churn',
      }),
    );
    expect(mismatch.type).toBe(ErrorType.ModelInputMismatch);
    expect(mismatch.message).toMatch(/x1/);
    const noLabel = await rejection(
      evaluateModel({ model: file('binary', 'model.onnx'), dataset: file('binary', 'data.parquet'), label: 'target' }),
    );
    expect(noLabel.type).toBe(ErrorType.LabelNotFound);
  });

  it('refuses labels that are not classes of the model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-'));

    const table = await readTable(file('binary', 'data.parquet'));
    const churn = Array.from(table.getChild('churn')!.toArray() as string[], (v, i) => (i === 5 ? 'maybe' : v));
    const columns = Object.fromEntries(table.schema.fields.map((f) => [f.name, table.getChild(f.name)!.toArray()]));
    const path = join(dir, 'data.arrow');
    await writeTable(tableFromArrays({ ...columns, churn }), path);
    const err = await rejection(evaluateModel({ model: file('binary', 'model.onnx'), dataset: path, label: 'churn' }));
    expect(err.type).toBe(ErrorType.LabelNotFound);
    expect(err.message).toMatch(/"maybe"/);
    await copyFile(file('binary', 'model.onnx'), join(dir, 'copy.onnx'));
  });
});

describe('evaluateModel on a model of our exporter (int64 labels, Arrow read into reused buffers)', () => {
  it('gives the same report whatever the batch size and however runs and record batches cut the rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mlops-eval-exported-'));
    const model = join(dir, 'model.onnx');
    const weights = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + k));
    await writeFile(
      model,
      exportOnnx({
        specs: ['a', 'b'].map((name) => ({ name, kind: 'numeric' as const, mean: 0, std: 1 })),
        layers: [
          { inputs: 2, outputs: 3, w: weights(6, 1), b: weights(3, 2) },
          { inputs: 3, outputs: 2, w: weights(6, 3), b: weights(2, 4) },
        ],
        classes: ['0', '1'],
        label: 'y',
      }),
    );
    // 40,000 rows in record batches of 4096: runs of 9999 rows are cut short by every batch's end.
    const rows = 40_000;
    const a = Float64Array.from({ length: rows }, (_, r) => Math.cos(r * 0.7) * 2);
    const b = Float64Array.from({ length: rows }, (_, r) => Math.sin(r * 0.31) * 2);
    const y = BigInt64Array.from({ length: rows }, (_, r) => (a[r] + b[r] + Math.sin(r) > 0 ? 1n : 0n));
    const dataset = join(dir, 'data.arrow');
    const batches = [];
    for (let from = 0; from < rows; from += 4096) {
      const to = Math.min(rows, from + 4096);
      batches.push(...tableFromArrays({ a: a.slice(from, to), b: b.slice(from, to), y: y.slice(from, to) }).batches);
    }
    await writeTable(new Table(batches), dataset);
    const reports = [];
    for (const batchSize of [rows, 9999, 512, 7]) {
      const report = await evaluateModel({ model, dataset, label: 'y', batchSize, latencySamples: 3 });
      reports.push({ metrics: report.metrics, confusionMatrix: report.confusionMatrix, rows: report.rows });
    }
    expect(reports[0].rows).toBe(rows);
    for (const report of reports.slice(1)) expect(report).toEqual(reports[0]);
    expect(reports[0].metrics.accuracy).toBeGreaterThan(0.5);
  });
});
