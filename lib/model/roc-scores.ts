/**
 * The scores one ROC AUC is computed from (a class against the rest), gathered run by run.
 *
 * Probabilities from a float32 model are float32 values: each becomes a 32-bit key that orders as the value does, and
 * the keys of positives and negatives are appended to chunks while the counts of the three 11-bit digits of every key
 * are kept. The sort at the end is then three scatter passes (an LSD radix sort whose counting is already done), and
 * the AUC one walk over both sorted sides. A score that is not a float32 value (a float64 model) moves the whole side to
 * sorted runs merged like a binary counter, which works for any number.
 */
import { sortFloat64 } from '../data/sort';

const CHUNK = 1 << 16;
/** Bits per radix digit: three digits of 11, 11 and 10 bits make a 32-bit key. */
const BITS = 11;
const DIGIT = 1 << BITS;
const MASK = DIGIT - 1;

/** Float32 → key scratch: the value is written as float32 and read back as its bits. */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The key of a float32 value: unsigned order of keys is the numeric order; −0 is +0; every NaN one key, last. */
function keyOf(value: number): number {
  if (value !== value) return 0xffffffff;
  f32[0] = value === 0 ? 0 : value;
  const bits = u32[0];
  return (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
}

/** The float32 value of a key made by `keyOf`. */
function valueOf(key: number): number {
  if (key === 0xffffffff) return Number.NaN;
  u32[0] = key & 0x80000000 ? key & 0x7fffffff : ~key;
  return f32[0];
}

/** Two ascending runs (NaN last) merged into one, stably. */
function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    // y goes first only when it is below x: a number before a NaN, and NaNs keep their run's order.
    if (y < x || (x !== x && y === y)) {
      out[o++] = y;
      j++;
    } else {
      out[o++] = x;
      i++;
    }
  }
  out.set(a.subarray(i), o);
  out.set(b.subarray(j), o + a.length - i);
  return out;
}

/**
 * Scores kept as ascending runs that merge like a binary counter as they arrive (a run merges with the one below
 * it while that one is no longer), so a stream of n scores costs n·log(runs) moves spread over the stream.
 */
class SortedRuns {
  private readonly runs: Float64Array[] = [];

  /** Adds scores (the array is kept and sorted in place). */
  push(values: Float64Array): void {
    if (values.length === 0) return;
    this.runs.push(sortFloat64(values));
    const runs = this.runs;
    while (runs.length >= 2 && runs[runs.length - 2].length <= runs[runs.length - 1].length) {
      const top = runs.pop() as Float64Array;
      runs.push(mergeSorted(runs.pop() as Float64Array, top));
    }
  }

  /** Every score so far, ascending with NaN last. */
  sorted(): Float64Array {
    const runs = this.runs;
    while (runs.length >= 2) {
      const top = runs.pop() as Float64Array;
      runs.push(mergeSorted(runs.pop() as Float64Array, top));
    }
    return runs[0] ?? new Float64Array(0);
  }
}

/** Keys of one side (positives or negatives) in arrival order, with the counts of their three radix digits. */
class KeySide {
  readonly chunks: Uint32Array[] = [];
  /** Keys in the last chunk. */
  fill = CHUNK;
  length = 0;
  /** Counts of digits 0–10, 11–21 and 22–31 of the keys: 2048 each, so a scatter pass stays in cache. */
  readonly counts = new Uint32Array(3 * DIGIT);

  push(key: number): void {
    if (this.fill === CHUNK) {
      this.chunks.push(new Uint32Array(CHUNK));
      this.fill = 0;
    }
    this.chunks[this.chunks.length - 1][this.fill++] = key;
    const counts = this.counts;
    counts[key & MASK]++;
    counts[DIGIT + ((key >>> BITS) & MASK)]++;
    counts[2 * DIGIT + (key >>> (2 * BITS))]++;
    this.length++;
  }

  /** Each chunk's keys, in order. */
  *parts(): Generator<Uint32Array> {
    for (let i = 0; i < this.chunks.length; i++) {
      yield i === this.chunks.length - 1 ? this.chunks[i].subarray(0, this.fill) : this.chunks[i];
    }
  }

  /** Where each value of `digit` starts in the output of its pass. */
  private starts(digit: number): Uint32Array {
    const starts = new Uint32Array(DIGIT);
    let sum = 0;
    for (let d = 0; d < DIGIT; d++) {
      starts[d] = sum;
      sum += this.counts[digit * DIGIT + d];
    }
    return starts;
  }

  /** The keys ascending: the three scatter passes of an LSD radix sort whose counting is done. */
  sorted(): Uint32Array {
    const n = this.length;
    const a = new Uint32Array(n);
    const b = new Uint32Array(n);
    let starts = this.starts(0);
    for (const part of this.parts()) {
      for (let i = 0; i < part.length; i++) {
        const key = part[i];
        a[starts[key & MASK]++] = key;
      }
    }
    starts = this.starts(1);
    for (let i = 0; i < n; i++) {
      const key = a[i];
      b[starts[(key >>> BITS) & MASK]++] = key;
    }
    starts = this.starts(2);
    for (let i = 0; i < n; i++) {
      const key = b[i];
      a[starts[key >>> (2 * BITS)]++] = key;
    }
    return a;
  }

  /** The values as float64 (for the fallback to sorted runs). */
  values(): Float64Array {
    const out = new Float64Array(this.length);
    let o = 0;
    for (const part of this.parts()) for (let i = 0; i < part.length; i++) out[o++] = valueOf(part[i]);
    return out;
  }
}

/**
 * Binary ROC AUC from the ascending scores of the positives and of the negatives, ties counting half: float scores
 * (NaN last, below and equal to nothing, as `<` and `===` have it) or keys (the NaN key ties itself).
 */
export function sortedRocAuc(pos: Float64Array | Uint32Array, neg: Float64Array | Uint32Array): number {
  const positives = pos.length;
  const negatives = neg.length;
  if (positives === 0 || negatives === 0) return Number.NaN;
  let below = 0;
  let equal = 0;
  let wins = 0;
  for (let i = 0; i < positives; i++) {
    const s = pos[i];
    if (i === 0 || s !== pos[i - 1]) {
      while (below < negatives && neg[below] < s) below++;
      equal = 0;
      while (below + equal < negatives && neg[below + equal] === s) equal++;
    }
    wins += below + equal / 2;
  }
  return wins / positives / negatives;
}

/** The scores of one class against the rest. */
export class RocScores {
  private readonly keys = [new KeySide(), new KeySide()];
  /** Sorted runs, once a score was not a float32 value. */
  private runs: [SortedRuns, SortedRuns] | undefined;

  /**
   * Adds rows [0, count): row r is a positive when `truth[r] === cls`, with score `scores[r * stride + offset]`.
   */
  add(
    truth: Int32Array,
    cls: number,
    scores: Float32Array | Float64Array,
    stride: number,
    offset: number,
    count: number,
  ): void {
    if (!this.runs) {
      const [neg, pos] = this.keys;
      for (let r = 0; r < count; r++) {
        const v = scores[r * stride + offset];
        if (Math.fround(v) !== v && v === v) {
          // Rows before r are keys already: the rest of the run goes to the runs from r on.
          this.toRuns();
          this.addRuns(truth.subarray(r), cls, scores.subarray(r * stride), stride, offset, count - r);
          return;
        }
        (truth[r] === cls ? pos : neg).push(keyOf(v));
      }
      return;
    }
    this.addRuns(truth, cls, scores, stride, offset, count);
  }

  private addRuns(
    truth: Int32Array,
    cls: number,
    scores: Float32Array | Float64Array,
    stride: number,
    offset: number,
    count: number,
  ): void {
    const runs = this.runs as [SortedRuns, SortedRuns];
    let positives = 0;
    for (let r = 0; r < count; r++) if (truth[r] === cls) positives++;
    const p = new Float64Array(positives);
    const q = new Float64Array(count - positives);
    for (let r = 0, a = 0, b = 0; r < count; r++) {
      if (truth[r] === cls) p[a++] = scores[r * stride + offset];
      else q[b++] = scores[r * stride + offset];
    }
    runs[1].push(p);
    runs[0].push(q);
  }

  /** The ROC AUC of every score added: the probability that a positive scores above a negative, ties half. */
  auc(): number {
    if (this.runs) return sortedRocAuc(this.runs[1].sorted(), this.runs[0].sorted());
    const [neg, pos] = this.keys;
    return sortedRocAuc(pos.sorted(), neg.sorted());
  }

  private toRuns(): void {
    const runs: [SortedRuns, SortedRuns] = [new SortedRuns(), new SortedRuns()];
    this.keys.forEach((side, i) => runs[i].push(side.values()));
    this.runs = runs;
  }
}
