/** Timing helpers and progress output (stderr, so stdout stays one JSON object). */

let benchName = 'data';

/** Names the bench in the progress lines (default `data`). */
export function setProgressName(name: string): void {
  benchName = name;
}

/** Writes a progress line to stderr. */
export function progress(message: string): void {
  process.stderr.write(`[bench:${benchName}] ${message}\n`);
}

/** Median of the numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `run` once to warm up, then `repeat` times; the median wall time in milliseconds and the last result. */
export async function timeMedian<T>(repeat: number, run: () => T | Promise<T>): Promise<{ ms: number; result: T }> {
  let result = await run();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    result = await run();
    times.push(performance.now() - start);
  }
  return { ms: median(times), result };
}
