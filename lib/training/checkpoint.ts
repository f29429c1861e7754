/** Exact (bit-for-bit) JSON serialisation of the trainer's state, for checkpoints and resumes. */
import type { Layer, MlpState } from './mlp';

const TYPED = '__f64';

/** Encodes Float64Arrays as base64 of their bytes, so a resumed run continues with identical numbers. */
export function serializeState(state: MlpState): string {
  return JSON.stringify(state, (_key, value: unknown) => {
    if (value instanceof Float64Array)
      return { [TYPED]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    if (value === Infinity) return { [TYPED]: 'Infinity' };
    return value;
  });
}

/** Decodes `serializeState`'s output. */
export function deserializeState(text: string): MlpState {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && TYPED in value) {
      const encoded = (value as Record<string, string>)[TYPED];
      if (encoded === 'Infinity') return Infinity;
      const bytes = Buffer.from(encoded, 'base64');
      return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    return value;
  }) as MlpState;
}

/** True when two layer lists hold identical numbers. */
export function sameLayers(a: Layer[], b: Layer[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (l, i) =>
        l.w.length === b[i].w.length &&
        l.w.every((v, j) => Object.is(v, b[i].w[j])) &&
        l.b.every((v, j) => Object.is(v, b[i].b[j])),
    )
  );
}
