import { generateTable, parseDriftSpec, SEGMENTS } from '../../lib/data/generate';
import { scanTable } from '../../lib/data/scan';
import type { CategoricalColumnProfile, NumericColumnProfile } from '../../lib/data/report';

describe('synthetic data generator', () => {
  it('is deterministic for a seed and different across seeds', () => {
    const a = generateTable({ rows: 500, seed: 3 });
    const b = generateTable({ rows: 500, seed: 3 });
    const c = generateTable({ rows: 500, seed: 4 });
    expect(a.getChild('f0')!.toArray()).toEqual(b.getChild('f0')!.toArray());
    expect(a.getChild('f0')!.toArray()).not.toEqual(c.getChild('f0')!.toArray());
    expect(a.schema.fields.map((f) => f.name)).toEqual([
      'f0',
      'f1',
      'f2',
      'f3',
      'f4',
      'f5',
      'f6',
      'f7',
      'tenure',
      'segment',
      'label',
    ]);
  });

  it('has about 1% nulls per float feature, an imbalanced label, and skewed segments', () => {
    const { profile } = scanTable(generateTable({ rows: 50_000, seed: 1 }));
    const f0 = profile.columns.f0 as NumericColumnProfile;
    expect(f0.nulls / 50_000).toBeGreaterThan(0.007);
    expect(f0.nulls / 50_000).toBeLessThan(0.013);
    const label = profile.columns.label as NumericColumnProfile;
    expect(label.mean).toBeGreaterThan(0.05);
    expect(label.mean).toBeLessThan(0.3);
    const segment = profile.columns.segment as CategoricalColumnProfile;
    expect(segment.top[0].value).toBe(SEGMENTS[0]);
    expect(segment.distinct).toBe(SEGMENTS.length);
  });

  it('makes the label depend on the features', () => {
    const table = generateTable({ rows: 20_000, seed: 2 });
    const f0 = table.getChild('f0')!.toArray() as Float64Array;
    const label = table.getChild('label')!.toArray() as BigInt64Array;
    const rate = (pick: (v: number) => boolean) => {
      let n = 0;
      let pos = 0;
      f0.forEach((v, i) => {
        if (!Number.isNaN(v) && pick(v)) {
          n++;
          pos += Number(label[i]);
        }
      });
      return pos / n;
    };
    expect(rate((v) => v > 1)).toBeGreaterThan(rate((v) => v < -1) + 0.1);
  });

  it('shifts the features a drift spec names and no others', () => {
    const base = scanTable(generateTable({ rows: 20_000, seed: 5 })).profile.columns;
    const drift = parseDriftSpec('f1=shift:1,segment=new:0.2');
    const shifted = scanTable(generateTable({ rows: 20_000, seed: 5, drift })).profile.columns;
    const mean = (p: typeof base, c: string) => (p[c] as NumericColumnProfile).mean!;
    expect(mean(shifted, 'f1') - mean(base, 'f1')).toBeGreaterThan(0.9);
    expect(Math.abs(mean(shifted, 'f2') - mean(base, 'f2'))).toBeLessThan(0.1);
    expect((shifted.segment as CategoricalColumnProfile).top.map((t) => t.value)).toContain('unseen_segment');
  });

  it('rejects a malformed drift spec', () => {
    expect(() => parseDriftSpec('f1=warp:2')).toThrow(/use column=op:value/);
    expect(() => parseDriftSpec('nope=shift:1')).toThrow(/no column nope/);
  });
});
