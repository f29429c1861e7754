/** Data contracts: per-column rules and row bounds, parsed from JSON with clear errors. */
import { readFile } from 'node:fs/promises';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { ColumnType } from './types';
import type { ColumnTypeName } from './types';

/** Rules for one column; every key but `type` is optional. */
export interface ColumnRule {
  type: ColumnTypeName;
  /** When false, any null fails. Default true. */
  nullable?: boolean;
  /** Largest allowed share of nulls, 0..1. */
  maxNullFraction?: number;
  /** Smallest allowed value (numbers; timestamps in ms since the epoch or an ISO string). */
  min?: number | string;
  /** Largest allowed value. */
  max?: number | string;
  /** The only values allowed (strings, numbers or booleans). */
  allowedValues?: (string | number | boolean)[];
  /** When true, no value may repeat. */
  unique?: boolean;
  /** When true (default), the column must exist. */
  required?: boolean;
}

/** A data contract for a tabular dataset. */
export interface DataContract {
  columns: Record<string, ColumnRule>;
  rows?: { min?: number; max?: number };
  /** When false, columns the contract does not name fail. Default true. */
  allowExtraColumns?: boolean;
}

const ruleKeys = new Set(['type', 'nullable', 'maxNullFraction', 'min', 'max', 'allowedValues', 'unique', 'required']);
const types = Object.values(ColumnType) as string[];

function fail(source: string, message: string): never {
  throw new DomainError(ErrorType.InvalidContract, `${source}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converts a bound to a number: timestamps may be given as ISO strings. */
export function boundValue(value: number | string | undefined, type: ColumnTypeName): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  return type === ColumnType.timestamp ? Date.parse(value) : Number.NaN;
}

function checkRule(name: string, rule: unknown, source: string): ColumnRule {
  const at = `columns.${name}`;
  if (!isObject(rule)) fail(source, `${at} must be an object`);
  for (const key of Object.keys(rule)) if (!ruleKeys.has(key)) fail(source, `${at}.${key} is not a contract key`);
  if (typeof rule.type !== 'string' || !types.includes(rule.type))
    fail(source, `${at}.type must be one of ${types.join(', ')}`);
  const type = rule.type as ColumnTypeName;
  for (const key of ['nullable', 'unique', 'required'] as const) {
    if (rule[key] !== undefined && typeof rule[key] !== 'boolean') fail(source, `${at}.${key} must be true or false`);
  }
  const fraction = rule.maxNullFraction;
  if (fraction !== undefined && (typeof fraction !== 'number' || fraction < 0 || fraction > 1)) {
    fail(source, `${at}.maxNullFraction must be a number between 0 and 1`);
  }
  for (const key of ['min', 'max'] as const) {
    const value = rule[key];
    if (value === undefined) continue;
    const ok = typeof value === 'number' || (type === ColumnType.timestamp && typeof value === 'string');
    if (!ok || Number.isNaN(boundValue(value as number | string, type))) {
      fail(source, `${at}.${key} must be a number${type === ColumnType.timestamp ? ' or an ISO date' : ''}`);
    }
    if (type === ColumnType.string || type === ColumnType.bool)
      fail(source, `${at}.${key} applies to numeric and timestamp columns only`);
  }
  const min = boundValue(rule.min as number | string | undefined, type);
  const max = boundValue(rule.max as number | string | undefined, type);
  if (min !== undefined && max !== undefined && min > max) fail(source, `${at}.min is larger than ${at}.max`);
  if (rule.allowedValues !== undefined) {
    const values = rule.allowedValues;
    if (!Array.isArray(values) || values.some((v) => !['string', 'number', 'boolean'].includes(typeof v))) {
      fail(source, `${at}.allowedValues must be an array of strings, numbers or booleans`);
    }
  }
  return rule as unknown as ColumnRule;
}

/** Validates a parsed JSON value as a contract; `source` names it in errors. */
export function parseContract(value: unknown, source = 'contract'): DataContract {
  if (!isObject(value)) fail(source, 'a contract must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!['columns', 'rows', 'allowExtraColumns', '$schema'].includes(key))
      fail(source, `${key} is not a contract key`);
  }
  if (!isObject(value.columns)) fail(source, 'columns must be an object of column rules');
  const columns: Record<string, ColumnRule> = {};
  for (const [name, rule] of Object.entries(value.columns)) columns[name] = checkRule(name, rule, source);
  const rows = value.rows;
  if (rows !== undefined) {
    if (!isObject(rows)) fail(source, 'rows must be an object with min and/or max');
    for (const key of Object.keys(rows))
      if (key !== 'min' && key !== 'max') fail(source, `rows.${key} is not a contract key`);
    for (const key of ['min', 'max'] as const) {
      const bound = rows[key];
      if (bound !== undefined && (typeof bound !== 'number' || bound < 0))
        fail(source, `rows.${key} must be a number >= 0`);
    }
    if (typeof rows.min === 'number' && typeof rows.max === 'number' && rows.min > rows.max)
      fail(source, 'rows.min is larger than rows.max');
  }
  if (value.allowExtraColumns !== undefined && typeof value.allowExtraColumns !== 'boolean') {
    fail(source, 'allowExtraColumns must be true or false');
  }
  return {
    columns,
    rows: rows as DataContract['rows'],
    allowExtraColumns: value.allowExtraColumns as boolean | undefined,
  };
}

/** Reads and validates a contract file. */
export async function loadContract(path: string): Promise<DataContract> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DomainError(
      ErrorType.InvalidContract,
      `cannot read contract ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DomainError(ErrorType.InvalidContract, `${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseContract(json, path);
}

/** Column types a contract declares, for CSV readers. */
export function contractTypes(contract: DataContract | undefined): Record<string, ColumnTypeName> | undefined {
  if (!contract) return undefined;
  return Object.fromEntries(Object.entries(contract.columns).map(([name, rule]) => [name, rule.type]));
}
