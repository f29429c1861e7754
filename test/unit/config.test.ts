import { resolve } from 'node:path';
import { ConfigError, loadConfig, parseHostPort } from '../../lib/config';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({ HOME: '/home/u' });
    expect(config.temporalAddress).toBe('127.0.0.1:7233');
    expect(config.temporalAddressExplicit).toBe(false);
    expect(config.namespace).toBe('default');
    expect(config.uiPort).toBe(8233);
    expect(config.temporalHttpPort).toBeUndefined();
    expect(config.gatewayPort).toBe(8080);
    expect(config.home).toBe(resolve('.mlops'));
    expect(config.tls).toBeUndefined();
  });

  it('reads overrides', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'ml',
      MLOPS_HOME: '/var/lib/mlops',
      MLOPS_UI_PORT: '9233',
      MLOPS_GATEWAY_PORT: '9080',
      MLOPS_TEMPORAL_HTTP_PORT: '9243',
      MLOPS_CACHE_DIR: '/cache',
    });
    expect(config).toMatchObject({
      temporalAddress: 'temporal.example:7233',
      temporalAddressExplicit: true,
      namespace: 'ml',
      home: '/var/lib/mlops',
      uiPort: 9233,
      gatewayPort: 9080,
      temporalHttpPort: 9243,
      cacheDir: '/cache',
    });
  });

  it.each([
    [{ MLOPS_UI_PORT: 'eighty' }, /MLOPS_UI_PORT must be a port/],
    [{ MLOPS_GATEWAY_PORT: '70000' }, /MLOPS_GATEWAY_PORT must be a port/],
    [{ TEMPORAL_ADDRESS: 'no-port' }, /TEMPORAL_ADDRESS must be host:port/],
    [{ MLOPS_LOG_LEVEL: 'loud' }, /MLOPS_LOG_LEVEL must be one of/],
    [{ TEMPORAL_TLS: 'maybe' }, /TEMPORAL_TLS must be true or false/],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem' }, /must be set together/],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('turns TLS on from Temporal envconfig names', () => {
    const config = loadConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '/k.pem',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(config.tls).toEqual({
      clientCertPath: '/c.pem',
      clientKeyPath: '/k.pem',
      serverCaCertPath: undefined,
      serverName: 'temporal.internal',
      disableHostVerification: false,
    });
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).tls).toBeDefined();
    expect(loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x' }).tls).toBeUndefined();
  });

  it('parses IPv6 host:port', () => {
    expect(parseHostPort('[::1]:7233', 'X')).toEqual({ host: '::1', port: 7233 });
  });
});
