/** Port layout of the embedded Temporal server. */
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** Every port the embedded server and UI listen on (all bound to 127.0.0.1). */
export interface ServerPorts {
  frontend: number;
  http: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  metrics: number;
  ui: number;
}

/** The default layout around a frontend port, as Temporal's development config lays it out (7233 → 6933…). */
export function defaultPorts(frontend: number, ui: number, http = frontend + 10): ServerPorts {
  return {
    frontend,
    http,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    frontendMembership: frontend - 300,
    historyMembership: frontend - 299,
    matchingMembership: frontend - 298,
    workerMembership: frontend - 294,
    metrics: frontend + 11,
    ui,
  };
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether 127.0.0.1:`port` can be bound now. */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

/**
 * Ports below the OS's ephemeral range: the kernel never hands these out for outgoing connections or `listen(0)`,
 * so a port checked free here stays free until a stack binds it, even with other processes busy beside it.
 */
export function quietPortRange(): { low: number; high: number } {
  let ephemeralLow = 32768;
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > 12000) ephemeralLow = low;
  } catch {
    // Not Linux: the IANA dynamic range starts at 49152, and 32768 is below every common default.
  }
  return { low: 10000, high: ephemeralLow - 1 };
}

/** A random port of the quiet range that can be bound now and is in none of `avoid`. */
export async function quietPort(avoid: readonly number[] = []): Promise<number> {
  const { low, high } = quietPortRange();
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (!avoid.includes(port) && (await canBind(port))) return port;
  }
}

/** A layout of distinct free ports, for tests and parallel stacks (all from the quiet range). */
export async function ephemeralPorts(): Promise<ServerPorts> {
  const keys: (keyof ServerPorts)[] = [
    'frontend',
    'http',
    'history',
    'matching',
    'worker',
    'frontendMembership',
    'historyMembership',
    'matchingMembership',
    'workerMembership',
    'metrics',
    'ui',
  ];
  const ports: number[] = [];
  while (ports.length < keys.length) ports.push(await quietPort(ports));
  return Object.fromEntries(keys.map((k, i) => [k, ports[i]])) as unknown as ServerPorts;
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolveListening(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
