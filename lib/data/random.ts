/** Seeded random streams for samples and synthetic data (the generator itself lives in workflows/policy). */
import { seededRandom } from '../../workflows/policy/random';

export { seededRandom };

/** Standard normal draws from a uniform source (Box–Muller). */
export function normalFrom(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}
