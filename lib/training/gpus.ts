/** GPU inventory of a host: MLOPS_GPUS, MLOPS_GPU_SLOTS, or what nvidia-smi reports. */
import { spawnSync } from 'node:child_process';

/** What the GPU worker runs on. */
export interface GpuInventory {
  /** Device ids that training activities are handed through CUDA_VISIBLE_DEVICES; empty on a CPU host. */
  devices: string[];
  /** Concurrent training slots: one per GPU, or the explicit slot count, at least 1. */
  slots: number;
  /** Where the answer came from. */
  source: 'MLOPS_GPUS' | 'MLOPS_GPU_SLOTS' | 'nvidia-smi' | 'cpu';
  /** GPU names as nvidia-smi reports them. */
  names: string[];
}

/** Runs nvidia-smi; returns one `index, name` line per GPU, or undefined when it is absent or fails. */
export type NvidiaSmi = () => string | undefined;

const runNvidiaSmi: NvidiaSmi = () => {
  const result = spawnSync('nvidia-smi', ['--query-gpu=index,name', '--format=csv,noheader'], {
    encoding: 'utf8',
    timeout: 10000,
  });
  return result.status === 0 ? result.stdout : undefined;
};

/** Detects the host's GPUs; explicit env settings win over detection. */
export function detectGpus(env: NodeJS.ProcessEnv = process.env, smi: NvidiaSmi = runNvidiaSmi): GpuInventory {
  const explicit = env.MLOPS_GPUS?.trim();
  if (explicit) {
    const devices = explicit.split(',').map((d) => d.trim());
    if (devices.some((d) => !/^\d+$/.test(d)))
      throw new Error(`MLOPS_GPUS must be device ids like 0,1, got '${explicit}'`);
    return { devices, slots: devices.length, source: 'MLOPS_GPUS', names: [] };
  }
  const slotsRaw = env.MLOPS_GPU_SLOTS?.trim();
  if (slotsRaw) {
    const slots = Number(slotsRaw);
    if (!Number.isInteger(slots) || slots < 1)
      throw new Error(`MLOPS_GPU_SLOTS must be a positive integer, got '${slotsRaw}'`);
    return { devices: [], slots, source: 'MLOPS_GPU_SLOTS', names: [] };
  }
  const out = smi();
  const lines = (out ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return { devices: [], slots: 1, source: 'cpu', names: [] };
  const parsed = lines.map((line) => {
    const [index, ...name] = line.split(',');
    return { index: index.trim(), name: name.join(',').trim() };
  });
  return {
    devices: parsed.map((p) => p.index),
    slots: parsed.length,
    source: 'nvidia-smi',
    names: parsed.map((p) => p.name),
  };
}
