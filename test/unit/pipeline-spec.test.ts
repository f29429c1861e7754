import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { DomainError } from '../../lib/errors';
import { cronProblems, loadPipelineSpec, parsePipelineSpec, PART_KEYS, SPEC_KEYS } from '../../lib/pipeline';
import { ErrorType } from '../../workflows/contracts';
import { canaryPolicyProblems, DEFAULT_CANARY_POLICY } from '../../workflows/policy/canary';

const root = resolve(__dirname, '../..');
const examplePath = join(root, 'examples/pipelines/churn.yaml');
const schemaPath = join(root, 'docs/pipeline-spec.schema.json');

/** The smallest valid spec; tests spread their changes over it. */
const minimal = {
  model: 'churn',
  datasets: { train: 'train.csv', valid: 'valid.csv' },
  label: 'label',
  trainer: { command: 'builtin:mlp' },
};

/** The error a call throws (fails the test when it throws nothing). */
function thrown(call: () => unknown): DomainError {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError, got none');
}

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

const problemsOf = (err: DomainError, source: string) => err.message.slice(source.length + 2).split('; ');

describe('pipeline spec: the published example and docs', () => {
  it('loads examples/pipelines/churn.yaml, whose datasets exist and whose rollout the canary judge accepts', async () => {
    const spec = await loadPipelineSpec(examplePath);
    expect(spec.model).toBe('churn');
    expect(spec.trainer.command).toBe('builtin:mlp');
    expect(spec.datasets.train).toBe(join(root, 'examples/data/churn-sample.csv'));
    for (const path of Object.values(spec.datasets)) expect(existsSync(path)).toBe(true);
    expect(canaryPolicyProblems({ ...DEFAULT_CANARY_POLICY, ...spec.rollout })).toEqual([]);
    expect(spec.rollout?.bakeSeconds).toBeLessThan(DEFAULT_CANARY_POLICY.bakeSeconds);
    expect(spec.gates?.metrics?.accuracy?.min).toBeGreaterThan(0);
    expect(spec.monitoring?.windowSeconds).toBeGreaterThan(0);
    expect(spec.retraining?.schedule).toBe('0 3 * * MON');
  });

  it('parses the full example of docs/pipeline-spec.md', () => {
    const doc = readFileSync(join(root, 'docs/pipeline-spec.md'), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    const spec = parsePipelineSpec(parseYaml(blocks[blocks.length - 1]), 'docs example', '/specs');
    expect(Object.keys(spec).sort()).toEqual([...SPEC_KEYS].sort());
    expect(spec.trainer.params?.hubToken).toEqual({ env: 'HF_TOKEN' });
  });

  it('returns a normalised spec unchanged when parsed again (from another folder)', async () => {
    const spec = await loadPipelineSpec(examplePath);
    expect(parsePipelineSpec(spec, 'again', '/elsewhere')).toEqual(spec);
  });
});

describe('pipeline spec: problems', () => {
  it('reports every problem of a bad spec on one line, each with its path', () => {
    const bad = {
      model: '../escape',
      datasets: { train: 'a.csv' },
      trainer: { command: 'python train.py', seed: 1.5, extra: true },
      search: { space: { lr: { type: 'loguniform', min: 0, max: 1 } }, trials: 0 },
      gates: { metrics: { accuracy: { min: 'high' } }, minRobustness: 2 },
      rollout: { steps: [50, 25], alpha: 0.7, gateways: ['ftp://gateway'] },
      monitoring: { windowSeconds: 0, drift: { jsDistance: 1.5 }, accuracyFloor: -0.1, minRows: 0 },
      retraining: { cooldownSeconds: -1, maxPerDay: 0.5, schedule: '61 * * *' },
    };
    const err = thrown(() => parsePipelineSpec(bad, 'bad.yaml'));
    expect(err.type).toBe(ErrorType.InvalidInput);
    expect(err.message).not.toMatch(/\n/);
    expect(err.message.startsWith('bad.yaml: ')).toBe(true);
    const problems = problemsOf(err, 'bad.yaml');
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^model must start with a letter or digit/),
        'datasets.valid is required',
        'label is required',
        'trainer.command must be builtin:mlp, builtin:logreg or cmd:<command line>',
        'trainer.seed must be a whole number in [0, 4294967295]',
        expect.stringMatching(/^trainer\.extra is not a known key/),
        'search.space.lr: loguniform needs min > 0',
        'search.trials must be a whole number >= 1',
        'gates.metrics.accuracy.min must be min or max, a number',
        'gates.minRobustness must be a number in [0, 1]',
        'rollout.steps must be ascending percentages in (0, 100] ending at 100',
        'rollout.alpha must be in (0, 0.5)',
        'rollout.gateways[0] must be an http(s) URL such as http://127.0.0.1:8080',
        'monitoring.windowSeconds must be a number > 0',
        'monitoring.drift.jsDistance must be a number in (0, 1]',
        'monitoring.accuracyFloor must be a number in [0, 1]',
        'monitoring.minRows must be a whole number >= 1',
        'retraining.cooldownSeconds must be a number >= 0',
        'retraining.maxPerDay must be a whole number >= 1',
        expect.stringMatching(/^retraining\.schedule has 4 fields, not 5/),
      ]),
    );
  });

  it('refuses unknown keys at every level, and shows at most 20 problems', () => {
    const err = thrown(() =>
      parsePipelineSpec({ ...minimal, labels: 'x', datasets: { ...minimal.datasets, test: 'c.csv' } }, 's'),
    );
    expect(problemsOf(err, 's')).toEqual([
      expect.stringMatching(/^labels is not a known key \(known: model, datasets, label/),
      'datasets.test is not a known key (known: train, valid, holdout)',
    ]);
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    expect(thrown(() => parsePipelineSpec({ ...minimal, ...many }, 's')).message).toMatch(/; and 10 more problems$/);
  });

  it('refuses a value that is not an object, and keeps odd keys on one line', () => {
    for (const value of [null, [], 'model: churn', 42]) {
      expect(thrown(() => parsePipelineSpec(value, 's')).message).toBe(
        's: a pipeline spec must be an object (a YAML mapping or a JSON object)',
      );
    }
    const err = thrown(() => parsePipelineSpec({ ...minimal, 'two\nlines': 1 }, 's'));
    expect(err.message).toMatch(/^s: \["two\\nlines"\] is not a known key/);
  });

  it.each([
    ['*/15 0-6 1,15 JAN-jun sun', []],
    ['@daily', []],
    ['0 3 * * MON-FRI', []],
    ['* * * *', ['has 4 fields, not 5 (minute hour day-of-month month day-of-week)']],
    [
      '60 24 0 13 7',
      [
        "has minute '60' outside 0-59",
        "has hour '24' outside 0-23",
        "has day-of-month '0' outside 1-31",
        "has month '13' outside 1-12",
        "has day-of-week '7' outside 0-6",
      ],
    ],
    [
      '5-1 * * FOO */0',
      [
        "has minute '5-1', a range that runs backwards",
        "has month 'FOO', which must use numbers or names such as JAN, FEB",
        "has day-of-week '*/0' with a step below 1",
      ],
    ],
    ['@yearly', ['is not one of the macros @hourly, @daily, @weekly, @monthly']],
    ['0 3 * * 1; rm -rf /', [expect.stringMatching(/^may only hold digits/)]],
  ])('checks the shape of the cron schedule %j', (schedule, expected) => {
    expect(cronProblems(schedule)).toEqual(expected);
  });
});

describe('pipeline spec: files and paths', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipeline-spec-'));
    await mkdir(join(dir, 'specs'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('loads the same spec from YAML and from JSON', async () => {
    const yaml =
      'model: churn\ndatasets:\n  train: train.csv\n  valid: valid.csv\nlabel: label\ntrainer:\n  command: builtin:mlp\n';
    await writeFile(join(dir, 'specs/spec.yaml'), yaml);
    await writeFile(join(dir, 'specs/spec.yml'), yaml);
    await writeFile(join(dir, 'specs/spec.json'), JSON.stringify(minimal));
    const fromYaml = await loadPipelineSpec(join(dir, 'specs/spec.yaml'));
    expect(await loadPipelineSpec(join(dir, 'specs/spec.yml'))).toEqual(fromYaml);
    expect(await loadPipelineSpec(join(dir, 'specs/spec.json'))).toEqual(fromYaml);
    expect(fromYaml).toEqual({
      ...minimal,
      datasets: { train: join(dir, 'specs/train.csv'), valid: join(dir, 'specs/valid.csv') },
    });
  });

  it('resolves relative paths against the spec folder, not the working directory', async () => {
    const spec = {
      ...minimal,
      datasets: { train: 'data/train.csv', valid: '../shared/valid.parquet', holdout: 's3://bucket/holdout.parquet' },
      contract: '/etc/contracts/churn.json',
    };
    await writeFile(join(dir, 'specs/spec.json'), JSON.stringify(spec));
    const loaded = await loadPipelineSpec(join(dir, 'specs/spec.json'));
    expect(loaded.datasets).toEqual({
      train: join(dir, 'specs/data/train.csv'),
      valid: join(dir, 'shared/valid.parquet'),
      holdout: 's3://bucket/holdout.parquet',
    });
    expect(loaded.contract).toBe('/etc/contracts/churn.json');
    expect(parsePipelineSpec(spec, 's', '/base').datasets.train).toBe('/base/data/train.csv');
    expect(parsePipelineSpec(spec, 's').datasets.train).toBe(resolve('data/train.csv'));
    const home = { ...minimal, datasets: { ...minimal.datasets, train: '~/train.csv' } };
    expect(thrown(() => parsePipelineSpec(home, 's')).message).toMatch(/datasets\.train starts with ~/);
  });

  it('refuses files it cannot read or parse, with the path and the line', async () => {
    expect((await rejection(loadPipelineSpec(join(dir, 'absent.yaml')))).message).toMatch(
      /absent\.yaml: cannot read the pipeline spec: ENOENT/,
    );
    await writeFile(join(dir, 'spec.toml'), '');
    expect((await rejection(loadPipelineSpec(join(dir, 'spec.toml')))).message).toMatch(
      /must be a \.yaml, \.yml or \.json/,
    );
    await writeFile(join(dir, 'dup.yaml'), 'model: a\nmodel: b\n');
    const dup = await rejection(loadPipelineSpec(join(dir, 'dup.yaml')));
    expect(dup.type).toBe(ErrorType.InvalidInput);
    expect(dup.message).toMatch(/dup\.yaml: line 2, column 1: Map keys must be unique/);
    await writeFile(join(dir, 'two.yaml'), 'model: a\n---\nmodel: b\n');
    expect((await rejection(loadPipelineSpec(join(dir, 'two.yaml')))).message).toMatch(/more than one YAML document/);
    await writeFile(join(dir, 'bad.json'), '{"model": ');
    expect((await rejection(loadPipelineSpec(join(dir, 'bad.json')))).message).toMatch(/bad\.json: is not valid JSON/);
    await writeFile(
      join(dir, 'cycle.yaml'),
      'model: churn\ntrainer:\n  command: builtin:mlp\n  params: &p\n    self: *p\n',
    );
    expect((await rejection(loadPipelineSpec(join(dir, 'cycle.yaml')))).message).toMatch(/nests deeper than 32 levels/);
  });
});

describe('pipeline spec: secrets', () => {
  const withParams = (params: Record<string, unknown>) => ({
    ...minimal,
    trainer: { command: 'cmd:python t.py', params },
  });

  it('refuses a literal credential without repeating it, and says to use a reference', () => {
    const err = thrown(() => parsePipelineSpec(withParams({ lr: 0.1, nested: { apiKey: 'sk-live-0123456789' } }), 's'));
    expect(err.type).toBe(ErrorType.InvalidInput);
    expect(err.message).toMatch(/trainer\.params\.nested\.apiKey looks like a credential/);
    expect(err.message).toContain('{"env": "NAME"}');
    expect(err.message).not.toContain('0123456789');
    for (const key of ['password', 'HF_TOKEN', 'aws_secret_access_key', 'db-passwd', 'clientSecret']) {
      expect(thrown(() => parsePipelineSpec(withParams({ [key]: 'x' }), 's')).message).toContain(
        'looks like a credential',
      );
    }
    const url = { ...minimal, rollout: { gateways: ['https://admin:hunter2@gateway:8080'] } };
    expect(thrown(() => parsePipelineSpec(url, 's')).message).toMatch(
      /rollout\.gateways\[0\] holds what looks like a password inside a URL/,
    );
    const command = { ...minimal, trainer: { command: 'cmd:python t.py --api-key abc123' } };
    expect(thrown(() => parsePipelineSpec(command, 's')).message).toMatch(
      /trainer\.command passes what looks like a credential/,
    );
  });

  it('accepts env and file references under trainer.params, as they are, and checks their shape', () => {
    const params = {
      hubToken: { env: 'HF_TOKEN' },
      db: { password: { file: 'secrets/db' } },
      tokenizer: 'bert',
      tokenFile: '/x',
    };
    const spec = parsePipelineSpec(withParams(params), 's', '/base');
    expect(spec.trainer.params).toEqual(params);
    const command = {
      ...minimal,
      trainer: { command: 'cmd:HF_TOKEN=$HF_TOKEN python t.py --token "$T" --max_tokens=5' },
    };
    expect(parsePipelineSpec(command, 's').trainer.command).toBe(command.trainer.command);
    const bad = thrown(() => parsePipelineSpec(withParams({ a: { env: '1NOPE' }, b: { file: '' } }), 's'));
    expect(problemsOf(bad, 's')).toEqual([
      'trainer.params.a.env must be an environment variable name (letters, digits and _)',
      'trainer.params.b.file must be a non-empty path on the trainer host',
    ]);
    const outside = thrown(() => parsePipelineSpec({ ...minimal, label: { env: 'LABEL' } }, 's'));
    expect(outside.message).toContain('label is a secret reference, which only trainer.params may hold');
  });
});

describe('pipeline spec: the published JSON Schema', () => {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as {
    $schema: string;
    required: string[];
    properties: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
  };

  it('is draft 2020-12 with the same top-level keys as PipelineSpec', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(
      Object.keys(schema.properties)
        .filter((k) => k !== '$schema')
        .sort(),
    ).toEqual([...SPEC_KEYS].sort());
    expect([...schema.required].sort()).toEqual(['datasets', 'label', 'model', 'trainer']);
  });

  it('has the same keys as PipelineSpec in each part, and describes every field', () => {
    for (const [part, keys] of Object.entries(PART_KEYS)) {
      const node = part
        .split('.')
        .reduce<Record<string, unknown>>(
          (at, key) => (at.properties as Record<string, Record<string, unknown>>)[key],
          schema as unknown as Record<string, unknown>,
        );
      expect([part, Object.keys(node.properties as object).sort()]).toEqual([part, [...keys].sort()]);
    }
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const props = (node as { properties?: Record<string, unknown> }).properties ?? {};
      for (const [key, child] of Object.entries(props)) {
        if (!(child as { description?: string }).description) undescribed.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      for (const [key, child] of Object.entries((node as { $defs?: Record<string, unknown> }).$defs ?? {})) {
        walk(child, `$defs.${key}`);
      }
      for (const key of ['oneOf', 'anyOf'] as const) {
        ((node as Record<string, unknown[]>)[key] ?? []).forEach((child, i) => walk(child, `${path}.${key}[${i}]`));
      }
    };
    walk(schema, '');
    expect(undescribed).toEqual([]);
  });
});

describe('pipeline spec: any input', () => {
  const anything = fc.anything({
    maxDepth: 3,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withNullPrototype: true,
    withObjectString: true,
    withSet: true,
    withSparseArray: true,
    withTypedArray: true,
  });
  const near = <T>(valid: T) => fc.oneof(fc.constant(valid), anything);
  const specLike = fc.record(
    {
      model: near('churn'),
      datasets: fc.oneof(fc.record({ train: near('a.csv'), valid: near('b.csv'), holdout: anything }), anything),
      label: near('label'),
      contract: anything,
      trainer: fc.oneof(
        fc.record({ command: near('builtin:mlp'), params: fc.dictionary(fc.string(), anything), seed: anything }),
        anything,
      ),
      search: fc.record({ space: fc.dictionary(fc.string(), anything), trials: anything, eta: anything }),
      gates: fc.record({ metrics: fc.dictionary(fc.string(), anything), champion: anything }),
      rollout: fc.record({ steps: anything, bakeSeconds: anything, gateways: anything }, { requiredKeys: [] }),
      monitoring: fc.record({ windowSeconds: anything, drift: anything }, { requiredKeys: [] }),
      retraining: fc.record({ schedule: fc.oneof(fc.string(), anything), maxPerDay: anything }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );

  it('returns a spec or throws one InvalidInput DomainError on one line, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(anything, specLike), (value) => {
        try {
          const spec = parsePipelineSpec(value, 'random');
          expect(typeof spec.model).toBe('string');
        } catch (err) {
          expect(err).toBeInstanceOf(DomainError);
          expect((err as DomainError).type).toBe(ErrorType.InvalidInput);
          expect((err as DomainError).message).toMatch(/^random: [^\n]+$/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('shares nothing with its input', () => {
    const input = structuredClone({ ...minimal, trainer: { command: 'builtin:mlp', params: { hidden: [8] } } });
    const spec = parsePipelineSpec(input, 's');
    input.trainer.params.hidden.push(4);
    expect(spec.trainer.params).toEqual({ hidden: [8] });
  });
});
