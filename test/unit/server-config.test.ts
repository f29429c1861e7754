import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaultPorts } from '../../lib/temporal/ports';
import { renderEmbeddedConfig, renderTemplate } from '../../lib/temporal/server-config';
import { tempDir } from '../helpers/temporal';

describe('server config rendering', () => {
  it('fills placeholders and refuses to leave one unfilled', () => {
    expect(renderTemplate('a: ${X}\nb: ${Y_Z}', { X: 1, Y_Z: 'two' })).toBe('a: 1\nb: two');
    expect(() => renderTemplate('a: ${MISSING}', {})).toThrow(/needs a value for \$\{MISSING\}/);
  });

  it('lays ports out like Temporal’s development config', () => {
    expect(defaultPorts(7233, 8233, 7243)).toMatchObject({
      frontend: 7233,
      history: 7234,
      matching: 7235,
      worker: 7239,
      frontendMembership: 6933,
      workerMembership: 6939,
      http: 7243,
      ui: 8233,
    });
  });

  it('writes a SQLite server config, a dynamic config and a UI config bound to 127.0.0.1', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const ports = defaultPorts(17233, 18233);
      const rendered = await renderEmbeddedConfig({ home: dir, ports, namespace: 'ml' });
      const server = parse(await readFile(rendered.serverConfig, 'utf8'));
      const store = server.persistence.datastores['sqlite-default'].sql;
      expect(store.pluginName).toBe('sqlite');
      expect(store.databaseName).toBe(join(dir, 'temporal', 'temporal.db'));
      expect(store.connectAttributes).toMatchObject({ setup: true, journal_mode: 'wal' });
      expect(server.services.frontend.rpc).toMatchObject({ grpcPort: 17233, bindOnLocalHost: true, httpPort: 17243 });
      expect(server.dynamicConfigClient.filepath).toBe(join(dir, 'temporal', 'dynamicconfig.yaml'));
      const dynamic = parse(await readFile(server.dynamicConfigClient.filepath, 'utf8'));
      expect(dynamic['system.forceSearchAttributesCacheRefreshOnRead'][0].value).toBe(true);
      const ui = parse(await readFile(join(rendered.uiRoot, 'config', 'development.yaml'), 'utf8'));
      expect(ui).toMatchObject({ temporalGrpcAddress: '127.0.0.1:17233', host: '127.0.0.1', port: 18233 });
      expect(ui.defaultNamespace).toBe('ml');
    } finally {
      await cleanup();
    }
  });
});
