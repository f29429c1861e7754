/** pino loggers for lib/ and entry points; logs go to stderr so CLI output on stdout stays clean. */
import pino from 'pino';
import type { Logger } from 'pino';

/** Creates the process logger at the given level, writing JSON lines to stderr. */
export function createLogger(level = process.env.MLOPS_LOG_LEVEL ?? 'info', name = 'mlops'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

export type { Logger };
