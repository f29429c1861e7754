/**
 * The admin API's bearer token: MLOPS_GATEWAY_TOKEN when set, otherwise `<MLOPS_HOME>/gateway.token` (mode 0600),
 * generated on first start and reused by every replica and restart on the same state folder.
 */
import { resolveTokenFile } from '../security/token';
import type { ResolvedToken } from '../security/token';

export { bearerMatches } from '../security/token';

/** File name of the generated token inside the state folder. */
export const TOKEN_FILE = 'gateway.token';

/** Where the token came from, for the start-up line. */
export type GatewayToken = ResolvedToken;

/** Returns the configured token, or reads (creating with mode 0600 when missing) the state folder's token file. */
export function resolveGatewayToken(home: string, configured?: string): Promise<GatewayToken> {
  return resolveTokenFile(home, TOKEN_FILE, configured, 'MLOPS_GATEWAY_TOKEN');
}
