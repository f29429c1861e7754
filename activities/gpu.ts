/** Activities on the `gpu` queue. Training itself arrives with the training issue. */
import { hostname } from 'node:os';
import { detectGpus } from '../lib/training/gpus';
import type { GpuInventory } from '../lib/training/gpus';

/** Input of `describeGpuHost` (empty; one object in, per house style). */
export type DescribeGpuHostInput = Record<string, never>;

/** Result of `describeGpuHost`. */
export interface DescribeGpuHostResult extends GpuInventory {
  host: string;
}

/** Reports the GPUs and training slots of the worker that picks the task up. */
export async function describeGpuHost(_input: DescribeGpuHostInput): Promise<DescribeGpuHostResult> {
  return { host: hostname(), ...detectGpus() };
}
