/** Progress lines on stderr for long reads, only when a person is watching (a TTY). */

/** Returns an onProgress callback that prints a percentage every 10%, or undefined when stderr is not a TTY. */
export function byteProgress(label: string): ((read: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let lastDecile = -1;
  return (read, total) => {
    const decile = total > 0 ? Math.floor((read / total) * 10) : 10;
    if (decile > lastDecile) {
      lastDecile = decile;
      process.stderr.write(`${label}: ${Math.min(100, decile * 10)}%\n`);
    }
  };
}
