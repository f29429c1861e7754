/** Port layout of the embedded Temporal server. */
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

/** A layout of distinct free ports, for tests and parallel stacks. */
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
  const ports = new Set<number>();
  while (ports.size < keys.length) ports.add(await freePort());
  const values = [...ports];
  return Object.fromEntries(keys.map((k, i) => [k, values[i]])) as unknown as ServerPorts;
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
