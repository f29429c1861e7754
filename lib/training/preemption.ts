/** Process-wide preemption notice: the GPU worker's SIGTERM handler raises it, running trainings react. */

type Listener = () => void;
const listeners = new Set<Listener>();
let noticed = false;

/** Calls `listener` on a preemption notice (at once if one already came); returns an unsubscribe function. */
export function onPreemptionNotice(listener: Listener): () => void {
  if (noticed) listener();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Raises the notice: every running training checkpoints and stops. */
export function notifyPreemption(): void {
  noticed = true;
  for (const listener of [...listeners]) listener();
}

/** True once a notice came (for tests and logs). */
export function preemptionNoticed(): boolean {
  return noticed;
}
