/** Client connections to Temporal built from MlopsConfig (TLS and API key included). */
import { readFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import type { ConnectionOptions } from '@temporalio/client';
import type { MlopsConfig } from '../config';

/** TLS options in the shape both the client and the worker's NativeConnection accept. */
export function tlsOptions(config: Pick<MlopsConfig, 'tls'>): ConnectionOptions['tls'] {
  const tls = config.tls;
  if (!tls) return undefined;
  return {
    serverNameOverride: tls.serverName,
    serverRootCACertificate: tls.serverCaCertPath ? readFileSync(tls.serverCaCertPath) : undefined,
    clientCertPair:
      tls.clientCertPath && tls.clientKeyPath
        ? { crt: readFileSync(tls.clientCertPath), key: readFileSync(tls.clientKeyPath) }
        : undefined,
  };
}

/** Opens a client connection; fails after `connectTimeoutMs` when nothing answers. */
export async function connectClient(
  config: Pick<MlopsConfig, 'temporalAddress' | 'tls' | 'apiKey'>,
  connectTimeoutMs = 10000,
): Promise<Connection> {
  return Connection.connect({
    address: config.temporalAddress,
    tls: tlsOptions(config),
    apiKey: config.apiKey,
    connectTimeout: connectTimeoutMs,
  });
}

/** True when a Temporal frontend at `address` answers a system-info call within the timeout. */
export async function temporalAnswers(
  config: Pick<MlopsConfig, 'temporalAddress' | 'tls' | 'apiKey'>,
  timeoutMs = 3000,
): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await connectClient(config, timeoutMs);
    await connection.withDeadline(Date.now() + timeoutMs, () => connection!.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}
