/**
 * The failure converter of processes with payload encryption on: failure messages and stack traces move into
 * the failure's encoded attributes, a payload the encryption codec then encrypts. Workers load it by path
 * (`dataConverter.failureConverterPath`), so it is bundled into the workflow sandbox: it imports only
 * @temporalio/common.
 */
import { DefaultFailureConverter } from '@temporalio/common';

/** Failure converter that keeps message and stack trace out of plaintext history. */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
