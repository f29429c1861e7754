/** SDK entry: a Temporal client built from the environment's configuration. */
import { Client } from '@temporalio/client';
import type { MlopsConfig } from '../lib/config';
import { createDataConverter } from '../lib/security/data-converter';
import { connectClient } from '../lib/temporal/connection';

/** Raised when no Temporal server answers; the CLI exits 2 and tells the user to start one. */
export class ServerUnavailableError extends Error {
  constructor(address: string, cause: unknown) {
    super(`no Temporal server answers at ${address}: start one with \`mlops up\` or set TEMPORAL_ADDRESS`, { cause });
    this.name = 'ServerUnavailableError';
  }
}

/**
 * Connects a client to the configured server and namespace, with payload encryption when
 * MLOPS_ENCRYPTION_KEY_FILE is set (the SDK's default data converter otherwise).
 */
export async function createClient(config: MlopsConfig): Promise<Client> {
  let connection;
  try {
    connection = await connectClient(config, 5000);
  } catch (err) {
    throw new ServerUnavailableError(config.temporalAddress, err);
  }
  return new Client({ connection, namespace: config.namespace, dataConverter: createDataConverter(config) });
}
