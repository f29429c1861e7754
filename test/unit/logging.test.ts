import { formatLogLine } from '../../lib/logging';

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
