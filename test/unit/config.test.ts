import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, parseHostPort } from '../../lib/config';
import { tempDir } from '../helpers/temporal';

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
    });
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).tls).toBeDefined();
    expect(() => loadConfig({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toThrow(
      /not supported: the server certificate is always verified/,
    );
    expect(loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x' }).tls).toBeUndefined();
  });

  it('parses IPv6 host:port', () => {
    expect(parseHostPort('[::1]:7233', 'X')).toEqual({ host: '::1', port: 7233 });
  });

  it('leaves payload encryption off and the codec server on its defaults when nothing is set', () => {
    const config = loadConfig({ MLOPS_UI_PORT: '9233' });
    expect(config.encryptionKeyFile).toBeUndefined();
    expect(config.codecPort).toBe(8234);
    expect(config.codecToken).toBeUndefined();
    expect(config.codecUiOrigins).toEqual(['http://127.0.0.1:9233', 'http://localhost:9233']);
  });

  it('reads the codec server settings', () => {
    const config = loadConfig({
      MLOPS_CODEC_PORT: '9234',
      MLOPS_CODEC_TOKEN: ' t0ken ',
      MLOPS_CODEC_UI_ORIGIN: 'https://ui.example:8443, http://127.0.0.1:8233',
    });
    expect(config).toMatchObject({ codecPort: 9234, codecToken: 't0ken' });
    expect(config.codecUiOrigins).toEqual(['https://ui.example:8443', 'http://127.0.0.1:8233']);
    expect(() => loadConfig({ MLOPS_CODEC_UI_ORIGIN: 'ui.example/path' })).toThrow(/MLOPS_CODEC_UI_ORIGIN must list/);
  });

  describe('MLOPS_ENCRYPTION_KEY_FILE', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ dir, cleanup } = await tempDir('mlops-config-keys-')));
    afterAll(() => cleanup());

    function keyFile(name: string, content: string): string {
      const file = join(dir, name);
      writeFileSync(file, content, { mode: 0o600 });
      return file;
    }

    it('accepts a file of base64 32-byte keys and keeps its absolute path', () => {
      const file = keyFile(
        'good.keys',
        `${randomBytes(32).toString('base64')}
${randomBytes(32).toString('base64')}
`,
      );
      expect(loadConfig({ MLOPS_ENCRYPTION_KEY_FILE: file }).encryptionKeyFile).toBe(resolve(file));
    });

    it.each([
      ['a line that is not base64', 'not-a-key!\n', /line 1 is not base64/],
      ['a 16-byte key', `${randomBytes(16).toString('base64')}\n`, /line 1 decodes to 16 bytes, not 32/],
      [
        'a valid key then a 31-byte one',
        `${randomBytes(32).toString('base64')}\n${randomBytes(31).toString('base64')}`,
        /line 2 decodes to 31 bytes/,
      ],
      ['no key at all', '\n# rotated out\n', /holds no key/],
    ])('fails fast in one line on %s', (name, content, message) => {
      const file = keyFile(`${name.replace(/\W+/g, '-')}.keys`, content);
      let err: unknown;
      try {
        loadConfig({ MLOPS_ENCRYPTION_KEY_FILE: file });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain('MLOPS_ENCRYPTION_KEY_FILE');
      expect((err as Error).message).not.toContain('\n');
    });

    it('fails fast when the file cannot be read', () => {
      expect(() => loadConfig({ MLOPS_ENCRYPTION_KEY_FILE: join(dir, 'missing.keys') })).toThrow(
        /missing\.keys cannot be read \(ENOENT\)/,
      );
    });
  });
});
