/** One-pass validation and profiling of a categorical (string, bool) column on dictionary codes. */
import { DataType } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import type { CategoricalValues } from './columns';
import type { ColumnRule } from './contract';
import { nullFractionFailure, RuleCounter } from './numeric-accumulator';
import type { CategoricalColumnProfile, ValidationFailure } from './report';
import type { ColumnTypeName } from './types';

/** How many of the most frequent values a profile keeps. */
export const TOP_K = 50;

/**
 * Adds how often each key occurs among `keys[0, length)` to `counts`. Four interleaved tallies: a run of the same
 * key (a common value) then adds to four counters in turn instead of waiting on one, about twice as fast.
 */
function countKeys(keys: ArrayLike<number>, length: number, counts: Float64Array): void {
  const tallies = new Int32Array(counts.length * 4);
  let i = 0;
  for (; i + 3 < length; i += 4) {
    tallies[keys[i] * 4]++;
    tallies[keys[i + 1] * 4 + 1]++;
    tallies[keys[i + 2] * 4 + 2]++;
    tallies[keys[i + 3] * 4 + 3]++;
  }
  for (; i < length; i++) tallies[keys[i] * 4]++;
  for (let key = 0; key < counts.length; key++) {
    counts[key] += tallies[key * 4] + tallies[key * 4 + 1] + tallies[key * 4 + 2] + tallies[key * 4 + 3];
  }
}

/** Streaming accumulator for one categorical column; feed batches with `add`, then `finish`. */
export class CategoricalAccumulator {
  private readonly counts = new Map<string, number>();
  private n = 0;
  private readonly nulls = new RuleCounter();
  private readonly notAllowed = new RuleCounter();
  private readonly duplicates = new RuleCounter();
  private readonly typeErrors = new RuleCounter();
  private readonly allowed?: Set<string>;

  constructor(
    readonly name: string,
    readonly type: ColumnTypeName,
    readonly rule: ColumnRule | undefined,
  ) {
    if (rule?.allowedValues) this.allowed = new Set(rule.allowedValues.map(String));
  }

  /** Rows of the batch whose text did not parse as the column type (CSV). */
  addTypeErrors(rows: number[], offset: number): void {
    for (const row of rows) this.typeErrors.hit(offset + row);
  }

  /** True when `addDictionaryData` can take this chunk (a dictionary column, and no `unique` rule to check). */
  takesDictionaryData(data: Data): boolean {
    return DataType.isDictionary(data.type) && data.dictionary !== undefined && !this.rule?.unique;
  }

  /**
   * Adds one dictionary-encoded Arrow chunk whose first row is row `offset` of the dataset, counting its keys in
   * place: no per-row codes are made, and rows are visited again only to find the rows of a failed rule.
   */
  addDictionaryData(data: Data, offset: number): void {
    const dictionary = (data.dictionary?.toArray() as unknown[]).map((v) => String(v));
    const keys = data.values as ArrayLike<number>;
    const counts = new Float64Array(dictionary.length);
    const length = data.length;
    const bitmap = data.nullBitmap;
    if (!bitmap || bitmap.length === 0 || data.nullCount === 0) {
      countKeys(keys, length, counts);
    } else {
      const first = data.offset;
      for (let i = 0; i < length; i++) {
        const bit = first + i;
        if ((bitmap[bit >> 3] & (1 << (bit & 7))) !== 0) counts[keys[i]]++;
        else this.nulls.hit(offset + i);
      }
    }
    const allowed = this.allowed;
    if (allowed && dictionary.some((value, key) => counts[key] > 0 && !allowed.has(value))) {
      const allowedKey = dictionary.map((value) => allowed.has(value));
      const first = data.offset;
      const nullable = bitmap && bitmap.length > 0 && data.nullCount > 0;
      for (let i = 0; i < length; i++) {
        const bit = first + i;
        if (nullable && (bitmap[bit >> 3] & (1 << (bit & 7))) === 0) continue;
        if (!allowedKey[keys[i]]) this.notAllowed.hit(offset + i);
      }
    }
    this.merge(counts, dictionary);
  }

  private merge(batchCounts: Float64Array, dictionary: string[]): void {
    for (let code = 0; code < dictionary.length; code++) {
      const c = batchCounts[code];
      if (c === 0) continue;
      this.n += c;
      this.counts.set(dictionary[code], (this.counts.get(dictionary[code]) ?? 0) + c);
    }
  }

  /** Adds a batch of dictionary codes (-1 = null); `offset` is the batch's first row in the dataset. */
  add({ codes, dictionary }: CategoricalValues, offset: number): void {
    const batchCounts = new Float64Array(dictionary.length);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code < 0) this.nulls.hit(offset + i);
      else batchCounts[code]++;
    }
    const allowedCode = this.allowed ? dictionary.map((v) => this.allowed!.has(v)) : undefined;
    // Values already seen in earlier batches count as repeats from their first row in this batch on.
    const seenBefore = this.rule?.unique ? dictionary.map((v) => this.counts.has(v)) : undefined;
    if (allowedCode || seenBefore) {
      const seenHere = new Uint8Array(dictionary.length);
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i];
        if (code < 0) continue;
        if (allowedCode && !allowedCode[code]) this.notAllowed.hit(offset + i);
        if (seenBefore) {
          if (seenBefore[code] || seenHere[code]) this.duplicates.hit(offset + i);
          seenHere[code] = 1;
        }
      }
    }
    this.merge(batchCounts, dictionary);
  }

  /** The column's profile and its failed rules, given the dataset's row count. */
  finish(rows: number): { profile: CategoricalColumnProfile; failures: ValidationFailure[] } {
    const sorted = [...this.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const top = sorted.slice(0, TOP_K).map(([value, count]) => ({ value, count }));
    const profile: CategoricalColumnProfile = {
      kind: 'categorical',
      type: this.type,
      count: this.n,
      nulls: this.nulls.count,
      distinct: this.counts.size,
      top,
      otherCount: this.n - top.reduce((s, t) => s + t.count, 0),
    };
    const failures: ValidationFailure[] = [];
    const add = (check: string, counter: RuleCounter, message: string) => {
      if (counter.count > 0)
        failures.push({ column: this.name, check, count: counter.count, sampleRows: counter.rows, message });
    };
    add('type', this.typeErrors, `${this.typeErrors.count} values are not ${this.type}`);
    if (this.rule?.nullable === false)
      add('nullable', this.nulls, `${this.nulls.count} nulls in a non-nullable column`);
    nullFractionFailure(this.name, this.rule, this.nulls, rows, failures);
    add('allowedValues', this.notAllowed, `${this.notAllowed.count} values outside allowedValues`);
    add('unique', this.duplicates, `${this.duplicates.count} repeated values in a unique column`);
    return { profile, failures };
  }
}
