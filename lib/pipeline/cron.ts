/**
 * The shape of a cron expression for scheduled retraining: five fields (minute hour day-of-month month
 * day-of-week) of numbers, `*`, ranges, lists and steps, month and weekday names, or one of the macros.
 * A shape check, not a scheduler: Temporal's schedule spec interprets the expression.
 */

/** Macros accepted in place of five fields. */
export const CRON_MACROS: readonly string[] = ['@hourly', '@daily', '@weekly', '@monthly'];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** The value of the first name (JAN = 1, SUN = 0). */
  firstName?: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, firstName: 1 },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS, firstName: 0 },
];

/** A value of a field: a number, or a name where the field has names. NaN when it is neither. */
function value(field: Field, raw: string): number {
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const index = field.names?.indexOf(raw.toUpperCase()) ?? -1;
  return index < 0 ? Number.NaN : index + (field.firstName ?? 0);
}

function itemProblem(field: Field, item: string): string | undefined {
  const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d{1,2}))?$/.exec(item);
  const has = `has ${field.name} '${item}'`;
  if (!match) return `${has}, which is not a number, name, range (a-b), list (a,b) or step (*/n)`;
  const [, range, step] = match;
  if (step !== undefined && Number(step) < 1) return `${has} with a step below 1`;
  if (range === '*') return undefined;
  const [low, high = low] = range.split('-').map((part) => value(field, part));
  if (Number.isNaN(low) || Number.isNaN(high)) {
    const names = field.names ? ` or names such as ${field.names.slice(0, 2).join(', ')}` : '';
    return `${has}, which must use numbers${names}`;
  }
  if (low < field.min || high > field.max) return `${has} outside ${field.min}-${field.max}`;
  if (low > high) return `${has}, a range that runs backwards`;
  return undefined;
}

/**
 * Problems with a cron expression's shape (empty when it is valid), each a clause that follows the
 * expression's name (`schedule has hour '25' outside 0-23`).
 * Fields are separated by spaces; a field is a comma-separated list of `*`, `n`, `a-b` or a name, each
 * optionally followed by `/step`.
 */
export function cronProblems(expression: string): string[] {
  const trimmed = expression.trim();
  if (trimmed.startsWith('@')) {
    return CRON_MACROS.includes(trimmed) ? [] : [`is not one of the macros ${CRON_MACROS.join(', ')}`];
  }
  if (!/^[0-9A-Za-z*/,\- \t]*$/.test(trimmed)) {
    return [`may only hold digits, names such as MON or JAN, and * / , - (or be one of ${CRON_MACROS.join(', ')})`];
  }
  const parts = trimmed.split(/[ \t]+/);
  if (parts.length !== 5) {
    return [
      `has ${parts.length} field${parts.length === 1 ? '' : 's'}, not 5 (minute hour day-of-month month day-of-week)`,
    ];
  }
  const problems: string[] = [];
  parts.forEach((part, i) => {
    for (const item of part.split(',')) {
      const problem = itemProblem(FIELDS[i], item);
      if (problem) problems.push(problem);
    }
  });
  return problems;
}
