/** The data converter every client, worker and CLI process builds from config: encryption on or off. */
import type { DataConverter } from '@temporalio/common';
import type { MlopsConfig } from '../config';
import { EncryptionCodec } from './codec';
import { readKeyRing } from './keys';

/** Path of the failure-converter module workers load (and bundle into the workflow sandbox) when encryption is on. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The encryption codec of `config`, or undefined when MLOPS_ENCRYPTION_KEY_FILE is unset. */
export function createEncryptionCodec(config: Pick<MlopsConfig, 'encryptionKeyFile'>): EncryptionCodec | undefined {
  return config.encryptionKeyFile ? new EncryptionCodec(readKeyRing(config.encryptionKeyFile)) : undefined;
}

/**
 * The data converter of `config`: undefined (the SDK's default, exactly as without this module) when encryption is
 * off; otherwise the encryption codec plus the failure converter that encodes messages and stack traces. The same
 * object serves Client and Worker options.
 */
export function createDataConverter(config: Pick<MlopsConfig, 'encryptionKeyFile'>): DataConverter | undefined {
  const codec = createEncryptionCodec(config);
  if (!codec) return undefined;
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}
