import { failureOf } from '../helpers/failures';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { computeDrift, profileDataset, validateDataset } from '../../activities/data';
import { generateTable, parseDriftSpec } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import type { ComputeDriftResult, ProfileDatasetResult, ValidateDatasetResult } from '../../workflows/contracts';
import { tempDir } from '../helpers/temporal';

const failureOfApplicationFailure = (promise: Promise<unknown>) => failureOf(promise, ApplicationFailure);

describe('data-plane activities', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let reference: string;
  let current: string;
  let contract: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    reference = join(dir, 'reference.parquet');
    current = join(dir, 'current.arrow');
    await writeTable(generateTable({ rows: 20_000, seed: 1 }), reference);
    await writeTable(
      generateTable({ rows: 15_000, seed: 2, drift: parseDriftSpec('f2=shift:1,segment=new:0.05') }),
      current,
    );
    contract = join(dir, 'contract.json');
    await writeFile(
      contract,
      JSON.stringify({
        columns: {
          f0: { type: 'float64', maxNullFraction: 0.05 },
          tenure: { type: 'int64', min: 0, max: 120 },
          segment: {
            type: 'string',
            allowedValues: ['consumer', 'small_business', 'enterprise', 'public_sector', 'education'],
          },
          label: { type: 'int64', allowedValues: [0, 1], nullable: false },
        },
        rows: { min: 1000 },
      }),
    );
  });
  afterAll(() => cleanup());

  it('validates a dataset that keeps its contract and writes the profile of the same pass', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const profileOut = join(dir, 'out', 'reference.profile.json');
    const result: ValidateDatasetResult = await env.run(validateDataset, { dataset: reference, contract, profileOut });
    expect(result).toMatchObject({ valid: true, rows: 20_000, failures: [], profilePath: profileOut });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    const profile = JSON.parse(await readFile(profileOut, 'utf8'));
    expect(profile.dataset.sha256).toBe(result.sha256);
    expect(beats.length).toBeGreaterThan(0);
  });

  it('fails a contract violation non-retryably as ContractViolation with the report in its details', async () => {
    const failure = await failureOfApplicationFailure(
      new MockActivityEnvironment().run(validateDataset, { dataset: current, contract }),
    );
    expect(failure.type).toBe('ContractViolation');
    expect(failure.nonRetryable).toBe(true);
    const [details] = failure.details as ValidateDatasetResult[];
    expect(details.valid).toBe(false);
    expect(details.failures.map((f) => `${f.column}:${f.check}`)).toEqual(['segment:allowedValues']);
    expect(details.failures[0].count).toBeGreaterThan(0);
  });

  it.each([
    ['a missing contract', { contract: '/nonexistent/contract.json' }, 'InvalidContract'],
    ['a missing dataset', { dataset: '/nonexistent/data.csv' }, 'DatasetNotFound'],
  ])('fails %s non-retryably', async (_what, override, type) => {
    const failure = await failureOfApplicationFailure(
      new MockActivityEnvironment().run(validateDataset, { dataset: reference, contract, ...override }),
    );
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
  });

  it('fails a truncated Parquet file as DatasetCorrupt', async () => {
    const bytes = await readFile(reference);
    const truncated = join(dir, 'truncated.parquet');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const failure = await failureOfApplicationFailure(
      new MockActivityEnvironment().run(profileDataset, { dataset: truncated, out: join(dir, 'x.json') }),
    );
    expect(failure.type).toBe('DatasetCorrupt');
  });

  it('profiles a dataset, and drift against that profile finds the shifted feature and the unseen category', async () => {
    const out = join(dir, 'profile.json');
    const profiled: ProfileDatasetResult = await new MockActivityEnvironment().run(profileDataset, {
      dataset: reference,
      out,
    });
    expect(profiled).toMatchObject({ profilePath: out, rows: 20_000 });
    const reportOut = join(dir, 'drift.json');
    const drift: ComputeDriftResult = await new MockActivityEnvironment().run(computeDrift, {
      reference: out,
      current,
      reportOut,
    });
    expect(drift.drifted.sort()).toEqual(['f2', 'segment']);
    expect(drift.columns.f0.drifted).toBe(false);
    expect(drift.columns.f2.ksStatistic).toBeGreaterThan(0.2);
    expect(drift.referenceSha256).toBe(profiled.sha256);
    const report = JSON.parse(await readFile(reportOut, 'utf8'));
    expect(report.columns.segment.unseenCategories).toEqual(['unseen_segment']);
    expect(report.reference.kind).toBe('profile');
  });
});
