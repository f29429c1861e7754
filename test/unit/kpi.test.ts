import { computeKpis } from '../../lib/kpi/kpis';
import type { ModelVersion, RegistryEvent } from '../../lib/registry/types';

function version(
  v: number,
  createdAt: string,
  timings: Record<string, number>,
  training?: ModelVersion['lineage']['training'],
): ModelVersion {
  return {
    model: 'churn',
    version: v,
    status: 'active',
    createdAt,
    artifact: { sha256: 'a'.repeat(64), uri: `sha256:${'a'.repeat(64)}`, bytes: 1 },
    metrics: {},
    tags: {},
    lineage: { datasets: [], timings, training },
    aliases: [],
    idempotencyKey: `k${v}`,
  };
}

const promoted = (id: number, v: number, at: string): RegistryEvent => ({
  id,
  type: 'promoted',
  at,
  model: 'churn',
  version: v,
  data: {},
});

describe('lifecycle KPIs', () => {
  const versions = [
    version(
      1,
      '2026-01-01T00:00:00.000Z',
      { ingest: 600, preprocess: 600, train: 3600, evaluate: 1800, serve: 1800 },
      {
        deviceSeconds: 7200,
        wallSeconds: 3600,
        costEstimate: 4,
        preemptions: 0,
      },
    ),
    version(
      2,
      '2026-01-02T00:00:00.000Z',
      { train: 1800, evaluate: 1800 },
      { deviceSeconds: 3600, wallSeconds: 3600, costEstimate: 1, preemptions: 1 },
    ),
    version(3, '2026-01-03T00:00:00.000Z', {}),
  ];
  const events = [promoted(1, 1, '2026-01-01T06:00:00.000Z'), promoted(2, 2, '2026-01-02T06:00:00.000Z')];

  it('computes V_d = N_m / (T_d + T_v), E_c = U_c / C_c and L per run', () => {
    const kpis = computeKpis({ versions, events, until: '2026-02-01T00:00:00.000Z' });
    // T_d = (600+600+3600 + 1800) s = 1.833 h, T_v = (1800+1800 + 1800) s = 1.5 h
    expect(kpis.deploymentVelocity.deployments).toBe(2);
    expect(kpis.deploymentVelocity.developmentHours).toBeCloseTo(6600 / 3600, 12);
    expect(kpis.deploymentVelocity.validationHours).toBeCloseTo(5400 / 3600, 12);
    expect(kpis.deploymentVelocity.value).toBeCloseTo(2 / (12000 / 3600), 12);
    expect(kpis.cloudEfficiency).toEqual({ value: 3 / 5, deviceHours: 3, cost: 5 });
    expect(kpis.pipelineLatency.runs.map((r) => [r.version, r.seconds, r.missing])).toEqual([
      [1, 8400, []],
      [2, 3600, ['ingest', 'preprocess', 'serve']],
    ]);
    expect(kpis.pipelineLatency.meanSeconds).toBe(6000);
  });

  it('restricts to a window and says when there is not enough data', () => {
    const kpis = computeKpis({
      versions,
      events,
      since: '2026-01-02T12:00:00.000Z',
      until: '2026-02-01T00:00:00.000Z',
    });
    expect(kpis.deploymentVelocity).toEqual({ value: null, deployments: 0, developmentHours: 0, validationHours: 0 });
    expect(kpis.cloudEfficiency.value).toBeNull();
    expect(kpis.pipelineLatency.runs).toEqual([]);
    expect(kpis.pipelineLatency.meanSeconds).toBeNull();
  });
});
