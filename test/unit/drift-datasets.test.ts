/** computeDrift against a dataset reference agrees with SciPy on the same data (fixture made by make_expected.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeDrift } from '../../lib/data/drift';
import { defaultDriftPolicy, parseDriftPolicy } from '../../lib/data/drift-policy';

const DIR = join(__dirname, '..', 'fixtures', 'drift-datasets');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  columns: Record<
    string,
    { ksStatistic?: number; ksPValue?: number; chiSquareStatistic?: number; chiSquarePValue?: number }
  >;
};

describe('computeDrift with a dataset reference', () => {
  it('gives scipy.stats.ks_2samp statistics and p-values, and scipy.stats.chisquare', async () => {
    const report = await computeDrift({
      reference: join(DIR, 'reference.csv'),
      current: join(DIR, 'current.csv'),
      policy: defaultDriftPolicy,
    });
    for (const name of ['x', 'ties']) {
      const ks = report.columns[name].ks!;
      expect(Math.abs(ks.statistic - expected.columns[name].ksStatistic!)).toBeLessThan(1e-9);
      expect(Math.abs(ks.pValue - expected.columns[name].ksPValue!)).toBeLessThan(1e-12);
    }
    const chi = report.columns.color.chiSquare!;
    const want = expected.columns.color;
    expect(Math.abs(chi.statistic! - want.chiSquareStatistic!) / want.chiSquareStatistic!).toBeLessThan(1e-9);
    expect(Math.abs(chi.pValue - want.chiSquarePValue!)).toBeLessThan(1e-12);
    expect(chi.degreesOfFreedom).toBe(3);
    expect(report.reference.kind).toBe('dataset');
    expect(report.columns.x.referenceCount).toBeLessThan(3000); // nulls are left out
  });

  it('flags columns by the policy and lists them in drifted', async () => {
    const strict = parseDriftPolicy({ psi: 0.01, jsDistance: 0.01 });
    const report = await computeDrift({
      reference: join(DIR, 'reference.csv'),
      current: join(DIR, 'current.csv'),
      policy: strict,
    });
    expect(report.drifted.sort()).toEqual(['color', 'ties', 'x']);
    const loose = parseDriftPolicy({ psi: 10, jsDistance: 1, ksPValue: 0, chiSquarePValue: 0 });
    const calm = await computeDrift({
      reference: join(DIR, 'reference.csv'),
      current: join(DIR, 'current.csv'),
      policy: loose,
    });
    expect(calm.drifted).toEqual([]);
  });

  it('finds no drift of a dataset against itself', async () => {
    const path = join(DIR, 'reference.csv');
    const report = await computeDrift({ reference: path, current: path, policy: defaultDriftPolicy });
    expect(report.drifted).toEqual([]);
    expect(report.columns.x.ks!.statistic).toBe(0);
    expect(report.columns.x.psi).toBeCloseTo(0, 12);
    expect(report.columns.color.chiSquare!.statistic).toBeCloseTo(0, 9);
  });

  it('rejects a malformed policy with a clear message', () => {
    expect(() => parseDriftPolicy({ psi: -1 })).toThrow(/psi must be a number >= 0/);
    expect(() => parseDriftPolicy({ kolmogorov: 1 })).toThrow(/kolmogorov is not a drift policy key/);
    expect(() => parseDriftPolicy([])).toThrow(/must be a JSON object/);
  });
});
