/** Hands each running training its own devices from the worker's inventory. */
import { detectGpus } from './gpus';
import type { GpuInventory } from './gpus';

/** A pool of device ids; a training holds one id (or none on a CPU host) while it runs. */
export class DevicePool {
  private readonly free: string[];

  constructor(readonly inventory: GpuInventory = detectGpus()) {
    this.free = [...inventory.devices];
  }

  /** Takes a free device id; undefined on a CPU host or when the worker's slots outnumber its devices. */
  acquire(): string | undefined {
    return this.free.shift();
  }

  /** Returns a device id to the pool. */
  release(device: string | undefined): void {
    if (device !== undefined && !this.free.includes(device)) this.free.push(device);
  }
}

let shared: DevicePool | undefined;

/** The worker process's pool (created on first use from the detected inventory). */
export function devicePool(): DevicePool {
  shared ??= new DevicePool();
  return shared;
}
