/**
 * Rollout activities on the `control` queue: write a model's routes (desired state in the registry, which
 * every gateway replica reconciles to), read the replicas' live figures, and probe the gateway.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../lib/config';
import type { VersionWindow } from '../workflows/policy/canary';
import type {
  ProbeGatewayInput,
  ReadRolloutStatsInput,
  ReadRolloutStatsResult,
  SetModelRoutesInput,
} from '../workflows/contracts';
import { withDomainFailures } from './failures';
import { registryContext } from './registry';

/** Gateway base URLs: the input's, else `MLOPS_GATEWAY_URLS` (comma-separated), else the local default port. */
export function gatewayUrls(fromInput?: string[]): string[] {
  if (fromInput && fromInput.length > 0) return fromInput;
  const listed = process.env.MLOPS_GATEWAY_URLS?.split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (listed && listed.length > 0) return listed;
  return [`http://127.0.0.1:${loadConfig().gatewayPort}`];
}

/** The admin token: `MLOPS_GATEWAY_TOKEN`, else the one the gateway saved under MLOPS_HOME. */
export async function gatewayToken(): Promise<string> {
  const fromEnv = process.env.MLOPS_GATEWAY_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  try {
    return (await readFile(join(loadConfig().home, 'gateway.token'), 'utf8')).trim();
  } catch {
    throw ApplicationFailure.retryable(
      'no gateway token yet: start the gateway (mlops serve) or set MLOPS_GATEWAY_TOKEN',
    );
  }
}

/** Sets a model's routes in the registry; gateways pick them up on their next reconcile. */
export async function setModelRoutes(input: SetModelRoutesInput): Promise<{ generation: number; changed: boolean }> {
  return withDomainFailures(async () => {
    const change = await registryContext().registry.setRoutes({
      model: input.model,
      stable: input.stable,
      canary: input.canary ?? null,
      canaryWeight: input.canaryWeight,
      reason: input.reason,
    });
    return { generation: change.generation, changed: change.changed };
  });
}

interface ReplicaStats {
  versions: Record<string, VersionWindow>;
}

async function replicaStats(url: string, model: string, since: number, token: string): Promise<ReplicaStats> {
  const response = await fetch(`${url}/admin/models/${encodeURIComponent(model)}/stats?since=${since}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5000),
  });
  if (response.status === 404) return { versions: {} };
  if (!response.ok) throw ApplicationFailure.retryable(`gateway ${url} answered ${response.status} for stats`);
  return (await response.json()) as ReplicaStats;
}

const empty = (): VersionWindow => ({ requests: 0, errors: 0, latencyMs: { p50: 0, p99: 0 } });

function add(total: VersionWindow, part: VersionWindow | undefined): VersionWindow {
  if (!part) return total;
  const out: VersionWindow = {
    requests: total.requests + part.requests,
    errors: total.errors + part.errors,
    latencyMs: {
      p50: Math.max(total.latencyMs.p50, part.latencyMs.p50),
      p99: Math.max(total.latencyMs.p99, part.latencyMs.p99),
    },
    predictions: total.predictions ?? part.predictions,
  };
  const a = total.predictions;
  const b = part.predictions;
  if (a?.kind === 'classes' && b?.kind === 'classes') {
    const counts = { ...a.counts };
    for (const [k, v] of Object.entries(b.counts)) counts[k] = (counts[k] ?? 0) + v;
    out.predictions = { kind: 'classes', counts };
  } else if (a?.kind === 'histogram' && b?.kind === 'histogram' && a.counts.length === b.counts.length) {
    out.predictions = { kind: 'histogram', edges: a.edges, counts: a.counts.map((c, i) => c + b.counts[i]) };
  }
  return out;
}

/** Sums the stable and canary figures over every gateway replica since the rollout began. */
export async function readRolloutStats(input: ReadRolloutStatsInput): Promise<ReadRolloutStatsResult> {
  const token = await gatewayToken();
  const urls = gatewayUrls(input.gateways);
  let stable = empty();
  let canary = empty();
  let stepCanaryRequests = 0;
  for (const url of urls) {
    const total = await replicaStats(url, input.model, input.since, token);
    const step = await replicaStats(url, input.model, input.stepSince, token);
    stable = add(stable, total.versions[String(input.stable)]);
    canary = add(canary, total.versions[String(input.canary)]);
    stepCanaryRequests += step.versions[String(input.canary)]?.requests ?? 0;
  }
  return { stable, canary, stepCanaryRequests, replicas: urls.length };
}

interface ModelMetadata {
  inputs?: { name: string; datatype: string }[];
}

/** Sends one request to every gateway and checks that `expectVersion` answers it (retryable until it does). */
export async function probeGateway(input: ProbeGatewayInput): Promise<{ answeredBy: string }> {
  let answeredBy = '';
  for (const url of gatewayUrls(input.gateways)) {
    const meta = (await (await fetch(`${url}/v2/models/${encodeURIComponent(input.model)}`)).json()) as ModelMetadata;
    const instance = Object.fromEntries((meta.inputs ?? []).map((i) => [i.name, i.datatype === 'BYTES' ? '' : 0]));
    const response = await fetch(`${url}/v1/models/${encodeURIComponent(input.model)}:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [instance] }),
      signal: AbortSignal.timeout(5000),
    });
    answeredBy = response.headers.get('x-model-version') ?? '';
    if (!response.ok || answeredBy !== String(input.expectVersion)) {
      throw ApplicationFailure.retryable(
        `gateway ${url} answered ${response.status} from version ${answeredBy || '?'}, expected ${input.expectVersion}`,
      );
    }
  }
  return { answeredBy };
}
