/** CLI output: one JSON object with --json, aligned key/value lines otherwise. */

/** Prints `value` as one JSON object on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Prints rows of label/value pairs, labels padded to one width. */
export function printTable(rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) process.stdout.write(`${label.padEnd(width)}  ${value}\n`);
}

/** Prints a progress line on stderr so stdout stays machine-readable. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}
