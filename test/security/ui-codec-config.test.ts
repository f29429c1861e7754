/** The Web UI server's `codec:` section, as `mlops up` and the tests write it. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderUiConfig, uiCodecSection } from '../../lib/temporal/server-config';
import { tempDir } from '../helpers/temporal';

describe('Web UI codec config', () => {
  it('adds the codec section only when a codec server is given', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const common = { temporalAddress: '127.0.0.1:7233', uiPort: 8233, namespace: 'default' };
      const plain = parse(await readFile(await renderUiConfig({ root: join(dir, 'a'), ...common }), 'utf8'));
      expect(plain.codec).toBeUndefined();
      const codec = { endpoint: 'http://127.0.0.1:8234', passAccessToken: false, includeCredentials: true };
      const file = await renderUiConfig({ root: join(dir, 'b'), ...common, codec });
      const withCodec = parse(await readFile(file, 'utf8'));
      expect(withCodec.codec).toEqual(codec);
      expect(withCodec).toMatchObject({
        temporalGrpcAddress: '127.0.0.1:7233',
        port: 8233,
        defaultNamespace: 'default',
      });
    } finally {
      await cleanup();
    }
  });

  it('refuses an endpoint that is not an http(s) URL (no YAML injection through it)', () => {
    const codec = { passAccessToken: false, includeCredentials: true };
    expect(() => uiCodecSection({ ...codec, endpoint: 'http://x\nauth: {enabled: false}' })).toThrow(/http\(s\) URL/);
    expect(() => uiCodecSection({ ...codec, endpoint: 'file:///etc/passwd' })).toThrow(/http\(s\) URL/);
    expect(uiCodecSection(undefined)).toBe('');
  });
});
