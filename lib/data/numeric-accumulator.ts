/** One-pass validation and profiling of a numeric column: moments, bounds, nulls, uniqueness, a reservoir sample. */
import type { Data } from 'apache-arrow';
import { isFloat64, isPlainFloat64, nullPositions, numericChunk } from './columns';
import type { ColumnRule } from './contract';
import { boundValue } from './contract';
import { seededRandom } from './random';
import { sortedFloat64 } from './sort';
import { QUANTILES, SAMPLE_ROWS } from './report';
import type { NumericColumnProfile, ValidationFailure } from './report';
import type { ColumnTypeName } from './types';

/** Values per chunk: 512 KiB of doubles, which stays in L2 cache between the two passes. */
export const CHUNK = 65536;

/** The run of rows being converted; one per thread, as accumulators copy out what they keep. */
const scratch = new Float64Array(CHUNK);

/** Slots of `chunkStats`, what `scanChunk` reports for one chunk. */
const COUNT = 0;
const SUM = 1;
const SQUARES = 2;
const MIN = 3;
const MAX = 4;
const NULLS = 5;
const chunkStats = new Float64Array(6);
/** Positions of the nulls in the chunk `scratch` holds, as `numericChunk` found them. */
const scratchNulls = new Int32Array(CHUNK);
/** `nullRows` of a chunk known to hold no null. */
const NO_NULLS = new Int32Array(0);

/**
 * One fused loop with locals only over a chunk: nulls (NaN), moments, min and max; `stats` receives every figure.
 * The moments are sums of values shifted by a typical value of the chunk, so the sum of squares does not cancel
 * badly and no second pass is needed. The bound checks need no work per value: a chunk whose min and max lie within
 * the bounds has no value outside them (the usual case), and only a chunk that has some is counted again.
 *
 * Four values a step go to independent sums, minima and maxima, so the additions do not wait on each other; a NaN
 * adds 0 and is counted, and compares false with the min and max. The loop is a function of its own, called once
 * per chunk, so V8 optimises it as a whole function after a few chunks (inside a method with code after the loop,
 * it ran as on-stack-replaced code that deoptimised at the loop's exit on every call).
 */
function scanChunk(values: Float64Array, shift: number, stats: Float64Array): void {
  const length = values.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let q0 = 0;
  let q1 = 0;
  let q2 = 0;
  let q3 = 0;
  let lo0 = Infinity;
  let lo1 = Infinity;
  let hi0 = -Infinity;
  let hi1 = -Infinity;
  let nan = 0;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const a = values[i];
    const b = values[i + 1];
    const c = values[i + 2];
    const d = values[i + 3];
    let da = a - shift;
    let db = b - shift;
    let dc = c - shift;
    let dd = d - shift;
    if (da !== da) {
      da = 0;
      nan++;
    }
    if (db !== db) {
      db = 0;
      nan++;
    }
    if (dc !== dc) {
      dc = 0;
      nan++;
    }
    if (dd !== dd) {
      dd = 0;
      nan++;
    }
    s0 += da;
    s1 += db;
    s2 += dc;
    s3 += dd;
    q0 += da * da;
    q1 += db * db;
    q2 += dc * dc;
    q3 += dd * dd;
    if (a < lo0) lo0 = a;
    if (b < lo1) lo1 = b;
    if (c < lo0) lo0 = c;
    if (d < lo1) lo1 = d;
    if (a > hi0) hi0 = a;
    if (b > hi1) hi1 = b;
    if (c > hi0) hi0 = c;
    if (d > hi1) hi1 = d;
  }
  for (; i < length; i++) {
    const a = values[i];
    let da = a - shift;
    if (da !== da) {
      da = 0;
      nan++;
    }
    s0 += da;
    q0 += da * da;
    if (a < lo0) lo0 = a;
    if (a > hi0) hi0 = a;
  }
  stats[COUNT] = length - nan;
  stats[SUM] = s0 + s1 + (s2 + s3);
  stats[SQUARES] = q0 + q1 + (q2 + q3);
  stats[MIN] = lo0 < lo1 ? lo0 : lo1;
  stats[MAX] = hi0 > hi1 ? hi0 : hi1;
  stats[NULLS] = nan;
}

/**
 * Takes out of `stats` (from `scanChunk` over every slot of a chunk read in place) the slots at `nullRows`, whose
 * values are whatever the writer left there: NaN was skipped already, another value is subtracted again. Returns
 * false, leaving the figures unusable, when a null's value is not strictly between the minimum and the maximum
 * (the minimum or maximum might be a null's; a value far out would cost the sums their precision) or when NaN
 * stands also in a valid slot (the serial scan reads it as null). Otherwise the figures are the valid values'.
 */
function dropNulls(values: Float64Array, nullRows: Int32Array, shift: number, stats: Float64Array): boolean {
  const min = stats[MIN];
  const max = stats[MAX];
  let sum = 0;
  let squares = 0;
  let nan = 0;
  for (let j = 0; j < nullRows.length; j++) {
    const v = values[nullRows[j]];
    if (v !== v) {
      nan++;
      continue;
    }
    if (!(v > min && v < max)) return false;
    const d = v - shift;
    sum += d;
    squares += d * d;
  }
  if (nan !== stats[NULLS]) return false;
  stats[COUNT] -= nullRows.length - nan;
  stats[SUM] -= sum;
  stats[SQUARES] -= squares;
  stats[NULLS] = nullRows.length;
  return true;
}

/** Values of a chunk below `bound` (`sign` 1) or above it (`sign` −1); NaN is neither. */
function countOutside(values: Float64Array, bound: number, sign: number): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if ((bound - values[i]) * sign > 0) count++;
  return count;
}

/**
 * `k` distinct ranks drawn uniformly from 0…count−1, in ascending order (Floyd's algorithm over a bitmap: k draws,
 * no rejection), or undefined when the bitmap would be too large (over 2^28 values; callers then use a reservoir).
 */
export function sampleRanks(count: number, k: number, random: () => number): Float64Array | undefined {
  if (count > 2 ** 28) return undefined;
  const bits = new Int32Array(Math.ceil(count / 32));
  for (let j = count - k; j < count; j++) {
    const t = Math.floor(random() * (j + 1));
    const chosen = (bits[t >>> 5] & (1 << (t & 31))) !== 0 ? j : t;
    bits[chosen >>> 5] |= 1 << (chosen & 31);
  }
  const ranks = new Float64Array(k);
  let at = 0;
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w];
    while (word !== 0) {
      const low = word & -word;
      ranks[at++] = w * 32 + (31 - Math.clz32(low));
      word ^= low;
    }
  }
  return ranks;
}

/** Counts rows failing one rule and keeps the first few row indices. */
export class RuleCounter {
  count = 0;
  readonly rows: number[] = [];
  /** Records row `row` as failing. */
  hit(row: number): void {
    this.count++;
    if (this.rows.length < SAMPLE_ROWS) this.rows.push(row);
  }
}

/** Options of the accumulators. */
export interface AccumulatorOptions {
  sampleSize: number;
  seed: number;
  histogramBins?: number;
}

/** Streaming accumulator for one numeric column; feed batches with `add`, then `finish`. */
export class NumericAccumulator {
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly nulls = new RuleCounter();
  private readonly below = new RuleCounter();
  private readonly above = new RuleCounter();
  private readonly notAllowed = new RuleCounter();
  private readonly duplicates = new RuleCounter();
  private readonly typeErrors = new RuleCounter();
  private readonly seen?: Set<number>;
  private readonly allowed?: Set<number>;
  private readonly lo?: number;
  private readonly hi?: number;
  private readonly sample: Float64Array;
  private filled = 0;
  private readonly random: () => number;
  private w = 0;
  private next = 0;
  /** Sorted ranks of the values to sample when the column's non-null count was given (`expectValues`). */
  private ranks?: Float64Array;

  constructor(
    readonly name: string,
    readonly type: ColumnTypeName,
    readonly rule: ColumnRule | undefined,
    readonly options: AccumulatorOptions,
  ) {
    this.sample = new Float64Array(options.sampleSize);
    this.random = seededRandom(options.seed);
    this.lo = boundValue(rule?.min, type);
    this.hi = boundValue(rule?.max, type);
    if (rule?.unique) this.seen = new Set();
    if (rule?.allowedValues) this.allowed = new Set(rule.allowedValues.map(Number));
  }

  /** Rows of the batch whose text did not parse as the column type (CSV). */
  addTypeErrors(rows: number[], offset: number): void {
    for (const row of rows) this.typeErrors.hit(offset + row);
  }

  /**
   * Says, before the first value, how many non-null values the column holds (known for an in-memory table): the
   * sample is then the values at ranks drawn up front, taken after each chunk's loop, instead of a reservoir that
   * replaces about k·ln(n/k) values. Both give a uniform sample without replacement; a column that holds fewer
   * non-NaN values than announced (NaN read as null) gets a smaller one.
   */
  expectValues(count: number): void {
    if (this.n > 0 || this.filled > 0) throw new Error('expectValues must come before the first value');
    const k = this.sample.length;
    if (k === 0 || count <= k) return;
    this.ranks = sampleRanks(count, k, this.random);
  }

  /**
   * Adds a batch of values (NaN = null); `offset` is the batch's first row in the dataset. Long batches are
   * fed in cache-sized chunks: both passes over a chunk then read from cache, and V8 optimises the loops early.
   */
  add(values: Float64Array, offset: number): void {
    for (let start = 0; start < values.length; start += CHUNK) {
      this.addChunk(values.subarray(start, Math.min(values.length, start + CHUNK)), offset + start);
    }
  }

  /**
   * Adds one Arrow chunk of the column whose first row is row `offset` of the dataset, converting a cache-sized
   * run of rows at a time into a reused buffer (float64 without nulls is read in place): no copy of the column.
   */
  addData(data: Data, offset: number): void {
    const inPlace = isFloat64(data) && !this.allowed && !this.seen && (this.ranks || this.sample.length === 0);
    const plain = isPlainFloat64(data);
    for (let start = 0; start < data.length; start += CHUNK) {
      const length = Math.min(CHUNK, data.length - start);
      if (plain) {
        const values = (data.values as Float64Array).subarray(start, start + length);
        this.addChunk(values, offset + start, NO_NULLS);
      } else if (!inPlace || !this.addInPlace(data, start, length, offset + start)) {
        const nulls = numericChunk(data, start, length, scratch, scratchNulls);
        this.addChunk(scratch.subarray(0, length), offset + start, scratchNulls.subarray(0, nulls));
      }
    }
  }

  /**
   * Adds rows [start, start + length) of a float64 chunk with nulls straight from its values, without the copy that
   * marks nulls as NaN: the loop reads every slot, then the null slots' values are taken out again. Returns
   * false, having changed nothing, when that cannot give exact figures (see `dropNulls`) or when a bound is broken
   * (counting the rows outside needs the nulls marked): the caller then adds the rows through the copy.
   */
  private addInPlace(data: Data, start: number, length: number, offset: number): boolean {
    const values = (data.values as Float64Array).subarray(start, start + length);
    const nullRows = scratchNulls.subarray(0, nullPositions(data, start, length, scratchNulls));
    const shift = shiftOf(values);
    const stats = chunkStats;
    scanChunk(values, shift, stats);
    if (!dropNulls(values, nullRows, shift, stats)) return false;
    if (stats[COUNT] > 0 && (stats[MIN] < (this.lo ?? -Infinity) || stats[MAX] > (this.hi ?? Infinity))) return false;
    this.merge(values, offset, shift, nullRows);
    return true;
  }

  /** Adds a chunk of values (NaN = null); `nullRows`, when known, are the positions of its Arrow nulls. */
  private addChunk(values: Float64Array, offset: number, nullRows?: Int32Array): void {
    const shift = shiftOf(values);
    scanChunk(values, shift, chunkStats);
    this.merge(values, offset, shift, nullRows);
  }

  /**
   * Merges the chunk's figures in `chunkStats` into the column's, counts rule failures and takes the sample. In
   * place (nulls not marked NaN), the caller has made sure no bound is broken and that `nullRows` are all nulls.
   */
  private merge(values: Float64Array, offset: number, shift: number, nullRows?: Int32Array): void {
    const lo = this.lo ?? -Infinity;
    const hi = this.hi ?? Infinity;
    const stats = chunkStats;
    const n = stats[COUNT];
    const sum = stats[SUM];
    const squares = stats[SQUARES];
    const nullCount = stats[NULLS];
    const chunkMin = stats[MIN];
    const chunkMax = stats[MAX];
    if (chunkMin < this.min) this.min = chunkMin;
    if (chunkMax > this.max) this.max = chunkMax;
    // NaN (null) compares false both ways, so it is never counted outside a bound.
    const belowCount = chunkMin < lo ? countOutside(values, lo, 1) : 0;
    const aboveCount = chunkMax > hi ? countOutside(values, hi, -1) : 0;
    // Failing rows are rare: find the first few only when a rule failed in this batch.
    if (nullCount > 0 && nullRows && nullRows.length === nullCount) {
      for (let j = 0; j < nullCount && this.nulls.rows.length < SAMPLE_ROWS; j++)
        this.nulls.rows.push(offset + nullRows[j]);
      this.nulls.count += nullCount;
    } else if (nullCount > 0) this.recordRows(values, offset, this.nulls, nullCount, (v) => v !== v);
    if (belowCount > 0) this.recordRows(values, offset, this.below, belowCount, (v) => v < lo);
    if (aboveCount > 0) this.recordRows(values, offset, this.above, aboveCount, (v) => v > hi);
    if (this.ranks) this.takeRanks(values, n, nullCount, nullRows);
    if (n === 0) return;
    const batchMean = shift + sum / n;
    const m2 = Math.max(0, squares - (sum * sum) / n);
    // Chan et al.'s parallel update merges the batch's moments into the running ones.
    const total = this.n + n;
    const delta = batchMean - this.mean;
    this.mean += (delta * n) / total;
    this.m2 += m2 + (delta * delta * this.n * n) / total;
    this.n = total;
    if (this.allowed || this.seen) this.checkSets(values, offset);
    if (!this.ranks) this.reservoir(values);
  }

  /**
   * Copies the chunk's values at the sample's next ranks (counted among non-null values) into the sample. Without
   * nulls a rank is a position; with nulls whose positions are known (and no NaN stored as a value besides), each
   * rank skips the nulls before it; otherwise the chunk is walked.
   */
  private takeRanks(values: Float64Array, n: number, nullCount: number, nullRows?: Int32Array): void {
    const ranks = this.ranks!;
    const sample = this.sample;
    const base = this.n;
    const end = base + n;
    let taken = this.filled;
    if (taken >= ranks.length || ranks[taken] >= end) return;
    if (nullCount === 0) {
      for (; taken < ranks.length && ranks[taken] < end; taken++) sample[taken] = values[ranks[taken] - base];
    } else if (nullRows && nullRows.length === nullCount) {
      let skipped = 0;
      for (; taken < ranks.length && ranks[taken] < end; taken++) {
        const j = ranks[taken] - base;
        while (skipped < nullRows.length && nullRows[skipped] <= j + skipped) skipped++;
        sample[taken] = values[j + skipped];
      }
    } else {
      let j = 0;
      let want = ranks[taken] - base;
      for (let i = 0; i < values.length && want >= 0; i++) {
        const v = values[i];
        if (v !== v) continue;
        if (j === want) {
          sample[taken++] = v;
          want = taken < ranks.length && ranks[taken] < end ? ranks[taken] - base : -1;
        }
        j++;
      }
    }
    this.filled = taken;
  }

  /** Adds `count` failures to `counter`, scanning for row indices only while it still keeps samples. */
  private recordRows(
    values: Float64Array,
    offset: number,
    counter: RuleCounter,
    count: number,
    fails: (v: number) => boolean,
  ): void {
    for (let i = 0; i < values.length && counter.rows.length < SAMPLE_ROWS; i++) {
      if (fails(values[i])) counter.rows.push(offset + i);
    }
    counter.count += count;
  }

  private checkSets(values: Float64Array, offset: number): void {
    const { allowed, seen } = this;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== v) continue;
      if (allowed && !allowed.has(v)) this.notAllowed.hit(offset + i);
      if (seen) {
        if (seen.has(v)) this.duplicates.hit(offset + i);
        else seen.add(v);
      }
    }
  }

  /** Vitter's Algorithm L: a uniform sample of the non-null values with O(k log(n/k)) random draws. */
  private reservoir(values: Float64Array): void {
    const sample = this.sample;
    const k = sample.length;
    if (k === 0) return;
    let i = 0;
    while (this.filled < k && i < values.length) {
      const v = values[i++];
      if (v === v) sample[this.filled++] = v;
      if (this.filled === k) {
        this.w = Math.exp(Math.log(this.random()) / k);
        this.next = this.skip();
      }
    }
    if (this.filled < k) return;
    let next = this.next;
    for (; i < values.length; i++) {
      const v = values[i];
      if (v !== v) continue;
      if (next > 0) {
        next--;
        continue;
      }
      sample[Math.floor(this.random() * k)] = v;
      this.w *= Math.exp(Math.log(this.random()) / k);
      next = this.skip();
    }
    this.next = next;
  }

  private skip(): number {
    return Math.floor(Math.log(this.random()) / Math.log(1 - this.w));
  }

  /** The column's profile and its failed rules, given the dataset's row count. */
  finish(rows: number): { profile: NumericColumnProfile; failures: ValidationFailure[] } {
    const sample = sortedFloat64(this.sample.subarray(0, this.filled));
    const profile: NumericColumnProfile = {
      kind: 'numeric',
      type: this.type,
      count: this.n,
      nulls: this.nulls.count,
      mean: this.n > 0 ? this.mean : null,
      std: this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : null,
      min: this.n > 0 ? this.min : null,
      max: this.n > 0 ? this.max : null,
      quantiles: Object.fromEntries(QUANTILES.map((q) => [`p${Math.round(q * 100)}`, quantile(sample, q)])),
      histogram: histogram(sample, this.options.histogramBins ?? 20),
      bins: decileBins(sample),
      sample: numberArray(sample),
    };
    return { profile, failures: this.failures(rows) };
  }

  private failures(rows: number): ValidationFailure[] {
    const out: ValidationFailure[] = [];
    const add = (check: string, counter: RuleCounter, message: string) => {
      if (counter.count > 0)
        out.push({ column: this.name, check, count: counter.count, sampleRows: counter.rows, message });
    };
    add('type', this.typeErrors, `${this.typeErrors.count} values are not ${this.type}`);
    if (this.rule?.nullable === false)
      add('nullable', this.nulls, `${this.nulls.count} nulls in a non-nullable column`);
    nullFractionFailure(this.name, this.rule, this.nulls, rows, out);
    add('min', this.below, `${this.below.count} values below ${this.rule?.min}`);
    add('max', this.above, `${this.above.count} values above ${this.rule?.max}`);
    add('allowedValues', this.notAllowed, `${this.notAllowed.count} values outside allowedValues`);
    add('unique', this.duplicates, `${this.duplicates.count} repeated values in a unique column`);
    return out;
  }
}

/** The values as a plain array, element by element (a quarter of `Array.from`'s cost on a typed array). */
export function numberArray(values: Float64Array): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i];
  return out;
}

/** The median of the first non-null values from the start, the middle and the end of a chunk (0 if none). */
function shiftOf(values: Float64Array): number {
  const firstFrom = (start: number) => {
    for (let i = start; i < values.length; i++) if (values[i] === values[i]) return values[i];
    return Number.NaN;
  };
  const a = firstFrom(0);
  if (a !== a) return 0;
  let b = firstFrom(values.length >> 1);
  let c = firstFrom(Math.max(0, values.length - 1));
  if (b !== b) b = a;
  if (c !== c) c = b;
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

/** Adds a maxNullFraction failure when the share of nulls exceeds the rule. */
export function nullFractionFailure(
  column: string,
  rule: ColumnRule | undefined,
  nulls: RuleCounter,
  rows: number,
  out: ValidationFailure[],
): void {
  if (rule?.maxNullFraction === undefined || rows === 0) return;
  const fraction = nulls.count / rows;
  if (fraction > rule.maxNullFraction) {
    out.push({
      column,
      check: 'maxNullFraction',
      count: nulls.count,
      sampleRows: nulls.rows,
      message: `null fraction ${fraction.toFixed(4)} exceeds ${rule.maxNullFraction}`,
    });
  }
}

/** Linear-interpolated quantile of sorted values (numpy's default), null when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function histogram(sorted: Float64Array, bins: number): { edges: number[]; counts: number[] } {
  if (sorted.length === 0) return { edges: [], counts: [] };
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  const width = hi > lo ? (hi - lo) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const binOf = (v: number) => Math.min(bins - 1, Math.floor((v - lo) / width));
  const counts = new Array<number>(bins).fill(0);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isFinite(width)) {
    for (let i = 0; i < sorted.length; i++) counts[binOf(sorted[i])]++;
    return { edges, counts };
  }
  // The bin of a value never decreases as the value grows (IEEE subtraction and division are monotonic), so in the
  // sorted sample each bin is a run whose ends a binary search finds: the same counts as binning every value.
  let start = 0;
  for (let b = 0; b < bins - 1; b++) {
    const end = firstIndex(sorted, start, (v) => binOf(v) > b);
    counts[b] = end - start;
    start = end;
  }
  counts[bins - 1] = sorted.length - start;
  return { edges, counts };
}

/** The first index in [from, length) of the sorted values where `past` holds (it holds from there on), or length. */
function firstIndex(sorted: Float64Array, from: number, past: (v: number) => boolean): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(sorted[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Decile edges (distinct, so ties collapse bins) and the sample's share per bin. */
function decileBins(sorted: Float64Array): { edges: number[]; proportions: number[] } {
  if (sorted.length === 0) return { edges: [], proportions: [] };
  const edges = [...new Set(Array.from({ length: 11 }, (_, i) => quantile(sorted, i / 10)))];
  if (edges.length === 1) return { edges: [edges[0], edges[0]], proportions: [1] };
  // A value's bin is the count of inner edges at or below it: in the sorted sample, runs found by binary search.
  const counts = new Array<number>(edges.length - 1).fill(0);
  let start = 0;
  for (let b = 0; b < counts.length - 1; b++) {
    const edge = edges[b + 1];
    const end = firstIndex(sorted, start, (v) => v >= edge);
    counts[b] = end - start;
    start = end;
  }
  counts[counts.length - 1] = sorted.length - start;
  return { edges, proportions: counts.map((c) => c / sorted.length) };
}
