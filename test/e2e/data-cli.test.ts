/** `mlops data …` data-plane commands as a user runs them: outputs, JSON keys and exit codes. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnTestProcess } from '../helpers/processes';
import { tempDir } from '../helpers/temporal';

const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops.js');

async function mlops(args: string[]) {
  const p = spawnTestProcess(process.execPath, [MLOPS, ...args]);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

describe('mlops data (local commands)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it('generates, infers a contract, validates, profiles and measures drift with the documented exit codes', async () => {
    const reference = join(dir, 'reference.parquet');
    const current = join(dir, 'current.csv');
    expect((await mlops(['data', 'generate', '--rows', '5000', '--seed', '1', '--out', reference])).code).toBe(0);
    const drifted = await mlops([
      'data',
      'generate',
      '--rows',
      '4000',
      '--seed',
      '2',
      '--out',
      current,
      '--drift',
      'f0=shift:1',
    ]);
    expect(drifted.code).toBe(0);

    const contract = join(dir, 'contract.json');
    expect((await mlops(['data', 'infer-contract', reference, '--out', contract])).code).toBe(0);
    const inferred = JSON.parse(await readFile(contract, 'utf8'));
    expect(inferred.columns.segment.allowedValues).toHaveLength(5);

    const valid = await mlops(['data', 'validate', reference, '--contract', contract, '--json']);
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ valid: true, rows: 5000, failures: [] });

    const invalid = await mlops(['data', 'validate', current, '--contract', contract, '--json']);
    expect(invalid.code).toBe(1);
    const report = JSON.parse(invalid.stdout);
    expect(report.valid).toBe(false);
    expect(report.failures[0]).toEqual(
      expect.objectContaining({
        column: expect.any(String),
        check: expect.any(String),
        count: expect.any(Number),
        sampleRows: expect.any(Array),
      }),
    );

    const profile = join(dir, 'profile.json');
    expect((await mlops(['data', 'profile', reference, '--out', profile])).code).toBe(0);
    const drift = await mlops(['data', 'drift', '--reference', profile, '--current', current, '--json']);
    expect(drift.code).toBe(1);
    const driftReport = JSON.parse(drift.stdout);
    expect(driftReport.drifted).toContain('f0');
    expect(driftReport.columns.f0).toEqual(
      expect.objectContaining({
        psi: expect.any(Number),
        jsDistance: expect.any(Number),
        ks: expect.objectContaining({ statistic: expect.any(Number), pValue: expect.any(Number) }),
      }),
    );
    expect(driftReport.columns.segment.chiSquare).toEqual(expect.objectContaining({ pValue: expect.any(Number) }));

    const same = await mlops(['data', 'drift', '--reference', reference, '--current', reference, '--json']);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout).drifted).toEqual([]);
  });

  it.each([
    [
      'a missing dataset',
      ['data', 'validate', '/nonexistent.csv', '--contract', '__good__'],
      /^mlops: DatasetNotFound: dataset not found: \/nonexistent\.csv$/m,
    ],
    [
      'a contract that is not JSON',
      ['data', 'validate', 'x.csv', '--contract', '__contract__'],
      /^mlops: InvalidContract: .* is not valid JSON/,
    ],
    [
      'a bad drift spec',
      ['data', 'generate', '--rows', '5', '--out', '__out__', '--drift', 'f0=warp:1'],
      /^mlops: InvalidInput: bad drift spec/,
    ],
    [
      'a negative row count',
      ['data', 'generate', '--rows', '-5', '--out', '__out__'],
      /^mlops: --rows must be a whole number/,
    ],
  ])('exits 2 with one line for %s', async (_what, args, message) => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ not json');
    const good = join(dir, 'good.json');
    await writeFile(good, '{"columns": {}}');
    const resolved = args.map((a) =>
      a === '__contract__' ? bad : a === '__good__' ? good : a === '__out__' ? join(dir, 'o.csv') : a,
    );
    const result = await mlops(resolved);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});
