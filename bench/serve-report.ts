/** The results of bench:serve (DESIGN.md "Benchmarks"), with the issue's targets, and their readable table. */
import type { Baseline } from './report';
import type { LoadResult } from './serve-load';
import type { BareRun } from './serve-model';
import { percentiles } from './serve-model';
import type { DecisionStep } from './serve-rollout';

/** A goal from the issue: at least `ratio` × a baseline, or at most `max` in the result's unit. */
export type Target = { baseline: string; ratio: number; met: boolean | null } | { max: number; met: boolean | null };

/** One result; `value` is null only when the bench could not measure it, with the reason. */
export interface ServeResult {
  name: string;
  unit: string;
  value: number | null;
  reason?: string;
  higherIsBetter: boolean;
  baselines: Baseline[];
  target?: Target;
  method?: string;
}

/** The peer's figures at both concurrencies, or why it has none. */
export type PeerLoad = { c1: LoadResult; c32: LoadResult; floor: LoadResult } | { reason: string };

const PEER = 'fastapi-onnxruntime';

function peerBaseline(
  peer: PeerLoad,
  pick: (r: { c1: LoadResult; c32: LoadResult; floor: LoadResult }) => number,
): Baseline {
  return 'reason' in peer ? { name: PEER, value: null, reason: peer.reason } : { name: PEER, value: pick(peer) };
}

const atMost = (value: number, max: number): Target => ({ max, met: value <= max });

/** Throughput and latency results of the gateway against the peer. */
export function loadResults(
  gateway: { c1: LoadResult; c32: LoadResult },
  peer: PeerLoad,
  client: string,
): ServeResult[] {
  const out: ServeResult[] = [];
  for (const c of ['c1', 'c32'] as const) {
    const ours = gateway[c];
    const base = peerBaseline(peer, (p) => p[c].reqPerSec);
    const result: ServeResult = {
      name: `serve-v1-predict-${c}`,
      unit: 'req/s',
      value: ours.reqPerSec,
      higherIsBetter: true,
      baselines: [base],
      method: `${client}, ${ours.connections} keep-alive connection(s), ${ours.seconds} s after a warm-up run; ${ours.requests} answers, ${ours.non2xx} non-2xx, ${ours.errors} errors`,
    };
    if (c === 'c32') {
      result.target = { baseline: PEER, ratio: 5, met: base.value === null ? null : ours.reqPerSec >= 5 * base.value };
    }
    out.push(result);
  }
  for (const c of ['c1', 'c32'] as const) {
    for (const q of ['p50', 'p99'] as const) {
      const value = q === 'p50' ? gateway[c].p50Ms : gateway[c].p99Ms;
      out.push({
        name: `serve-latency-${q}-${c}`,
        unit: 'ms',
        value,
        higherIsBetter: false,
        baselines: [peerBaseline(peer, (p) => (q === 'p50' ? p[c].p50Ms : p[c].p99Ms))],
        ...(q === 'p99' ? { target: atMost(value, 2) } : {}),
      });
    }
  }
  return out;
}

/** The gateway's p50 at concurrency 1 over the bare `session.run` p50. */
export function overheadResult(gatewayC1: LoadResult, bare: BareRun, client: string): ServeResult {
  const value = gatewayC1.p50Ms * 1000 - bare.p50Us;
  return {
    name: 'serve-overhead-p50',
    unit: 'µs',
    value,
    higherIsBetter: false,
    baselines: [
      {
        name: 'bare-session-run',
        value: bare.p50Us,
        method: `p50 of ${bare.runs} awaited session.run calls in the bench process (same model, 32 float32 [1,1] feeds, label + probabilities), after 2000 warm-up runs`,
      },
    ],
    target: atMost(value, 50),
    method: `client-side p50 of serve-latency-p50-c1 (loopback HTTP/1.1 keep-alive, ${client}) minus the bare session.run p50; it includes the TCP round trip and both HTTP stacks`,
  };
}

/** The overhead less the HTTP round trip: what the gateway's own work (decode, answer, log, metrics) adds at p50. */
export function gatewayWorkResult(gatewayC1: LoadResult, bare: BareRun, floor: LoadResult): ServeResult {
  return {
    name: 'serve-gateway-work-p50-c1',
    unit: 'µs',
    value: gatewayC1.p50Ms * 1000 - bare.p50Us - floor.p50Ms * 1000,
    higherIsBetter: false,
    baselines: [{ name: 'bare-session-run', value: bare.p50Us }],
    method: 'serve-overhead-p50 minus serve-http-floor-p50-c1: the p50 cost of the gateway beyond session.run and HTTP',
  };
}

/** Requests per `session.run` at concurrency 32, from the gateway's run counters: how much micro-batching joined. */
export function batchingResult(requests: number, runs: number): ServeResult {
  return {
    name: 'serve-requests-per-run-c32',
    unit: 'requests/run',
    value: runs > 0 ? requests / runs : null,
    ...(runs > 0 ? {} : { reason: 'the gateway reported no runs' }),
    higherIsBetter: true,
    baselines: [],
    method: `mlops_gateway_run_requests_total / mlops_gateway_session_runs_total over the timed and warm-up c32 runs (${requests} / ${runs})`,
  };
}

/** The HTTP round trip alone: p50 of a GET of the health endpoint at concurrency 1, in µs. */
export function floorResult(floor: LoadResult, peer: PeerLoad, client: string): ServeResult {
  return {
    name: 'serve-http-floor-p50-c1',
    unit: 'µs',
    value: floor.p50Ms * 1000,
    higherIsBetter: false,
    baselines: [peerBaseline(peer, (p) => p.floor.p50Ms * 1000)],
    method: `p50 of GET /v2/health/live (the peer: GET /health) at concurrency 1 with ${client}: the loopback round trip and both HTTP stacks without a body, a model or logging; the part of serve-overhead-p50 no gateway work causes`,
  };
}

/** The decision step's median and maximum, or why it was not measured. */
export function decisionResults(step: DecisionStep | { reason: string }): ServeResult[] {
  if ('reason' in step) {
    return ['rollout-decision-step', 'rollout-decision-step-max'].map((name) => ({
      name,
      unit: 's',
      value: null,
      reason: step.reason,
      higherIsBetter: false,
      baselines: [],
    }));
  }
  const all = step.samples.map((s) => s.seconds);
  const p = percentiles(all);
  const max = Math.max(...all);
  const workflow = percentiles(step.samples.map((s) => s.workflowSeconds)).p50;
  const reconcile = percentiles(step.samples.map((s) => s.reconcileSeconds)).p50;
  const kinds = ['advance', 'promote', 'rollback']
    .map((k) => `${step.samples.filter((s) => s.kind === k).length} ${k}`)
    .join(', ');
  const method =
    `canaryRolloutWorkflow on a local Temporal server (steps 50→100 %, 2 s bakes, outcomes ${step.outcomes.join(', ')}); ` +
    `${all.length} windows that changed routes (${kinds}): TimerFired of the bake → the new routes generation first seen on the gateway's ` +
    `GET /admin/models (polled every 5 ms). Median split: ${workflow.toFixed(3)} s timer → setModelRoutes completed ` +
    `(stats reads, verdict, alias, routes write), ${reconcile.toFixed(3)} s registry write → gateway swap ` +
    `(reconcile poll every ${step.reconcileMs} ms)`;
  const interval = { name: 'gateway-reconcile-interval', value: step.reconcileMs / 1000 };
  return [
    {
      name: 'rollout-decision-step',
      unit: 's',
      value: p.p50,
      higherIsBetter: false,
      baselines: [interval],
      target: atMost(p.p50, 1),
      method,
    },
    {
      name: 'rollout-decision-step-max',
      unit: 's',
      value: max,
      higherIsBetter: false,
      baselines: [interval],
      target: atMost(max, 1),
    },
  ];
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/** A plain-text table of the results. */
export function formatServeTable(machine: Record<string, unknown>, results: ServeResult[]): string {
  const lines = [
    `machine: ${Object.entries(machine)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}`,
    '',
  ];
  for (const r of results) {
    const value = r.value === null ? `n/a (${r.reason})` : `${format(r.value)} ${r.unit}`;
    lines.push(`${r.name}: ${value} (${r.higherIsBetter ? 'higher' : 'lower'} is better)`);
    for (const b of r.baselines) {
      lines.push(
        `  vs ${b.name.padEnd(26)} ${b.value === null ? `n/a (${b.reason})` : `${format(b.value)} ${r.unit}`}`,
      );
    }
    if (r.target) {
      const goal = 'max' in r.target ? `≤ ${r.target.max} ${r.unit}` : `≥ ${r.target.ratio}× ${r.target.baseline}`;
      const met = r.target.met === null ? 'not measured' : r.target.met ? 'met' : 'missed';
      lines.push(`  target ${goal}: ${met}`);
    }
  }
  return lines.join('\n');
}
