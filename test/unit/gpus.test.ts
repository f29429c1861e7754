import { detectGpus } from '../../lib/training/gpus';

const noSmi = () => undefined;

describe('detectGpus', () => {
  it('takes device ids from MLOPS_GPUS over anything else', () => {
    expect(detectGpus({ MLOPS_GPUS: '0, 2', MLOPS_GPU_SLOTS: '5' }, () => '0, H200\n')).toEqual({
      devices: ['0', '2'],
      slots: 2,
      source: 'MLOPS_GPUS',
      names: [],
    });
  });

  it('takes a slot count from MLOPS_GPU_SLOTS', () => {
    expect(detectGpus({ MLOPS_GPU_SLOTS: '3' }, noSmi)).toMatchObject({ slots: 3, source: 'MLOPS_GPU_SLOTS' });
  });

  it('parses nvidia-smi output, one slot per GPU', () => {
    const smi = () => '0, NVIDIA H200\n1, NVIDIA H200\n';
    expect(detectGpus({}, smi)).toEqual({
      devices: ['0', '1'],
      slots: 2,
      source: 'nvidia-smi',
      names: ['NVIDIA H200', 'NVIDIA H200'],
    });
  });

  it('falls back to one CPU slot without GPUs', () => {
    expect(detectGpus({}, noSmi)).toEqual({ devices: [], slots: 1, source: 'cpu', names: [] });
  });

  it('rejects malformed settings', () => {
    expect(() => detectGpus({ MLOPS_GPUS: 'a,b' }, noSmi)).toThrow(/MLOPS_GPUS must be device ids/);
    expect(() => detectGpus({ MLOPS_GPU_SLOTS: '0' }, noSmi)).toThrow(/MLOPS_GPU_SLOTS must be a positive integer/);
  });
});
