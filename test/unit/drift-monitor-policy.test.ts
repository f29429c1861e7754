/** The drift monitor's decision: which checks ask for a retraining, and why. */
import { driftMonitorInputProblems, retrainRequestFor } from '../../workflows/policy/drift-monitor';
import type { CheckModelDriftResult } from '../../workflows/contracts';

const judged: CheckModelDriftResult = {
  version: 3,
  rows: 500,
  judged: true,
  drifted: [],
  labelled: 0,
  reportPath: '/home/monitoring/churn/x.json',
};

describe('retrainRequestFor', () => {
  it('asks for nothing when the window was not judged or is healthy', () => {
    const unjudged = { ...judged, judged: false, drifted: ['age'], accuracy: 0.1, reason: 'not enough traffic' };
    expect(retrainRequestFor({ model: 'churn', result: unjudged, accuracyFloor: 0.9 })).toBeUndefined();
    expect(
      retrainRequestFor({ model: 'churn', result: { ...judged, accuracy: 0.95 }, accuracyFloor: 0.9 }),
    ).toBeUndefined();
    expect(retrainRequestFor({ model: 'churn', result: { ...judged, accuracy: 0.1 } })).toBeUndefined();
  });

  it('asks for a drift retraining naming the drifted columns', () => {
    const at = '2026-01-01T00:00:00.000Z';
    expect(retrainRequestFor({ model: 'churn', result: { ...judged, drifted: ['age', 'plan'] }, at })).toEqual({
      reason: 'drift',
      detail: 'churn@3 drifted: age, plan (500 rows)',
      reportPath: judged.reportPath,
      check: {
        at,
        version: 3,
        rows: 500,
        drifted: ['age', 'plan'],
        accuracy: undefined,
        reportPath: judged.reportPath,
      },
    });
  });

  it('puts an accuracy drop first, mentioning any drift too', () => {
    const result = { ...judged, drifted: ['age'], accuracy: 0.5, labelled: 40 };
    expect(retrainRequestFor({ model: 'churn', result, accuracyFloor: 0.8 })).toEqual({
      reason: 'accuracy',
      detail: 'churn@3 accuracy 0.5000 < floor 0.8 on 40 labelled rows; drifted: age',
      reportPath: judged.reportPath,
      check: expect.objectContaining({ version: 3, drifted: ['age'], accuracy: 0.5 }),
    });
  });
});

describe('driftMonitorInputProblems', () => {
  const input = { model: 'churn', lifecycleWorkflowId: 'lifecycle:churn', windowSeconds: 60 };
  it('accepts a usable input and names every problem of a bad one', () => {
    expect(driftMonitorInputProblems(input)).toEqual([]);
    expect(
      driftMonitorInputProblems({
        ...input,
        windowSeconds: 0,
        minRows: 0.5,
        accuracyFloor: 2,
        lifecycleWorkflowId: '',
      }),
    ).toEqual([
      'windowSeconds must be > 0',
      'minRows must be a whole number >= 1',
      'accuracyFloor must be in [0, 1]',
      'lifecycleWorkflowId must name the lifecycle to signal',
    ]);
  });
});
