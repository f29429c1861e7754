/** One-pass validation and profiling of a categorical (string, bool) column on dictionary codes. */
import type { CategoricalValues } from './columns';
import type { ColumnRule } from './contract';
import { nullFractionFailure, RuleCounter } from './numeric-accumulator';
import type { CategoricalColumnProfile, ValidationFailure } from './report';
import type { ColumnTypeName } from './types';

/** How many of the most frequent values a profile keeps. */
export const TOP_K = 50;

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
    for (let code = 0; code < dictionary.length; code++) {
      const c = batchCounts[code];
      if (c === 0) continue;
      this.n += c;
      this.counts.set(dictionary[code], (this.counts.get(dictionary[code]) ?? 0) + c);
    }
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
