/**
 * The model-loading preflight's child side: run in a process of its own, it loads one model exactly as the gateway
 * would (bytes checked against their sha256, protobuf inspected, onnxruntime session created) and runs it on zeros,
 * then reports and exits. Whatever the model does to this process (a native crash, a hang, memory exhaustion) stays
 * here; the gateway only reads the report or the exit status.
 */
import { loadModel } from '../model/load';
import { warmUp } from './warm-up';

/** What the gateway asks the child to check. */
export interface PreflightRequest {
  path: string;
  /** The sha256 the registry records; bytes that differ are refused. */
  sha256: string;
  intraOpThreads?: number;
}

/** What the child reports: loaded (and whether zeros ran), or refused with onnxruntime's or the loader's reason. */
export type PreflightReport = { ok: true; ranZeros: boolean } | { ok: false; reason: string };

/** Loads and runs the model of a request; a thrown error becomes a refusal with its first line. */
export async function checkModel(request: PreflightRequest): Promise<PreflightReport> {
  try {
    const loaded = await loadModel(request.path, { intraOpThreads: request.intraOpThreads });
    try {
      if (loaded.sha256 !== request.sha256) {
        return { ok: false, reason: `bytes have sha256 ${loaded.sha256}, not the registered ${request.sha256}` };
      }
      // One row, then a small batch: the gateway runs both shapes (micro-batching joins requests).
      const ranZeros = (await warmUp(loaded, 1, 1)) && (await warmUp(loaded, 3, 1));
      return { ok: true, ranZeros };
    } finally {
      await loaded.session.release();
    }
  } catch (err) {
    return { ok: false, reason: String((err as Error)?.message ?? err).split('\n')[0] };
  }
}

/** The child's first message: its modules (onnxruntime included) are loaded, so the model's time starts now. */
export const PREFLIGHT_READY = { ready: true } as const;

/** Entry point of the child: says it is ready, answers the one request it is sent over IPC, then exits. */
export function serveModelPreflight(): void {
  (process.send as NonNullable<typeof process.send>)(PREFLIGHT_READY);
  process.once('message', (request: PreflightRequest) => {
    void checkModel(request).then((report) => {
      (process.send as NonNullable<typeof process.send>)(report, undefined, undefined, () => process.exit(0));
    });
  });
}
