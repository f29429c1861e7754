/** Parsing CSV text values into typed values, and inferring a column's type from a sample. */
import { ColumnType } from './types';
import type { ColumnTypeName } from './types';

const INTEGER = /^[+-]?\d{1,18}$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;
const BOOL = /^(true|false)$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses a float; NaN when the text is not a number. */
export function parseFloatValue(text: string): number {
  if (!FLOAT.test(text)) return NaN;
  const lower = text.toLowerCase();
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

/** Parses an integer of up to 18 digits; undefined when the text is not one. */
export function parseIntValue(text: string): bigint | undefined {
  return INTEGER.test(text) ? BigInt(text) : undefined;
}

/** Parses true/false (any case); undefined otherwise. */
export function parseBoolValue(text: string): boolean | undefined {
  if (!BOOL.test(text)) return undefined;
  return text.toLowerCase() === 'true';
}

/** Parses an ISO-8601 date or date-time into milliseconds since the epoch (UTC when no zone); NaN otherwise. */
export function parseTimestampValue(text: string): number {
  if (!TIMESTAMP.test(text)) return NaN;
  const iso = text.length === 10 ? `${text}T00:00:00Z` : /Z|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`;
  return Date.parse(iso.replace(' ', 'T'));
}

/** True when `text` parses as `type`. */
export function parsesAs(text: string, type: ColumnTypeName): boolean {
  switch (type) {
    case ColumnType.int64:
      return INTEGER.test(text);
    case ColumnType.float64:
      return FLOAT.test(text);
    case ColumnType.bool:
      return BOOL.test(text);
    case ColumnType.timestamp:
      return !Number.isNaN(parseTimestampValue(text));
    case ColumnType.string:
      return true;
  }
}

/** The narrowest type every non-null sample value parses as; an all-null sample is string. */
export function inferType(samples: Iterable<string | null>): ColumnTypeName {
  const candidates: ColumnTypeName[] = [ColumnType.bool, ColumnType.int64, ColumnType.float64, ColumnType.timestamp];
  let remaining = candidates;
  let seen = false;
  for (const value of samples) {
    if (value === null) continue;
    seen = true;
    remaining = remaining.filter((type) => parsesAs(value, type));
    if (remaining.length === 0) return ColumnType.string;
  }
  return seen ? remaining[0] : ColumnType.string;
}
