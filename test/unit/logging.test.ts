import { PassThrough } from 'node:stream';
import { createLogger, formatLogLine, REDACTED } from '../../lib/logging';

describe('formatLogLine', () => {
  it('prints level, message and extra fields, without pino bookkeeping', () => {
    const line = JSON.stringify({
      level: 40,
      time: 1,
      pid: 7,
      name: 'mlops-up',
      msg: 'no GPU found',
      slots: 1,
      gpus: ['0'],
    });
    expect(formatLogLine(line)).toBe('warn   no GPU found  slots=1  gpus=["0"]');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLogLine('plain text')).toBe('plain text');
  });
});

describe('createLogger redaction', () => {
  async function logged(write: (logger: ReturnType<typeof createLogger>) => void): Promise<Record<string, unknown>> {
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    write(createLogger('info', 'test', { destination: sink }));
    await new Promise((r) => setImmediate(r));
    return JSON.parse(text.trim().split('\n')[0]) as Record<string, unknown>;
  }

  it('redacts secret fields at the top level and nested, and keeps where a secret lives readable', async () => {
    const entry = await logged((logger) =>
      logger.info(
        {
          token: 's1',
          apiKey: 's2',
          headers: { authorization: 'Bearer s3', 'x-api-key': 's4', cookie: 's5' },
          config: { password: 's6', clientSecret: 's7' },
          tokenFile: '/home/u/.mlops/gateway.token',
          model: 'churn',
        },
        'request',
      ),
    );
    expect(JSON.stringify(entry)).not.toMatch(/"s[1-7]"|Bearer s3/);
    expect(entry).toMatchObject({
      token: REDACTED,
      apiKey: REDACTED,
      headers: { authorization: REDACTED, 'x-api-key': REDACTED, cookie: REDACTED },
      config: { password: REDACTED, clientSecret: REDACTED },
      tokenFile: '/home/u/.mlops/gateway.token',
      model: 'churn',
      msg: 'request',
    });
  });
});
