/**
 * ONNX models whose tensors name external data files (`../../etc/passwd`, absolute paths, a file beside the
 * process) are refused with ModelInvalid by the loader, by registration (which then stores nothing) and by
 * `mlops models register` (exit 2), before onnxruntime can open the file they name.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { main } from '../../client/cli/main';
import { openArtifactStore } from '../../lib/artifacts';
import { DomainError } from '../../lib/errors';
import { loadModel } from '../../lib/model/load';
import { openRegistry } from '../../lib/registry';
import { registerModelFile } from '../../lib/registry/register-model';
import { ExternalTensorPlace, modelWithExternalTensor } from './onnx-crafted';
import type { ExternalTensorPlaceName } from './onnx-crafted';
import { escapes, makeSandbox, snapshotOutside } from './traversal-corpus';
import type { OutsideSnapshot, Sandbox } from './traversal-corpus';

let sandbox: Sandbox;
let before: OutsideSnapshot;
let savedCwd: string;

beforeAll(async () => {
  sandbox = await makeSandbox('home');
  before = await snapshotOutside(sandbox);
  // onnxruntime resolves the external data of a model loaded from memory against the working directory, so
  // the sentinel is put within reach: the worst case for a worker whose MLOPS_HOME is ./.mlops.
  savedCwd = process.cwd();
  process.chdir(sandbox.dir);
});

afterAll(async () => {
  process.chdir(savedCwd);
  await sandbox.cleanup();
});

/** External-data locations: traversal, absolute, the sentinel (also relative to the working directory), missing. */
const locations = (): string[] => [
  '../../etc/passwd',
  '../../../../../../../../etc/passwd',
  '/etc/passwd',
  sandbox.secretFile,
  '../outside/secret.txt',
  relative(sandbox.dir, sandbox.secretFile),
  `./${relative(sandbox.dir, sandbox.secretFile)}`,
  'payload.bin',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
];

/** Writes the crafted model into the sandbox's root and returns its path. */
async function craft(place: ExternalTensorPlaceName, location: string, i: number): Promise<string> {
  const path = join(sandbox.root, `${place}-${i}.onnx`);
  await writeFile(path, modelWithExternalTensor(place, location));
  return path;
}

async function loadFailure(path: string): Promise<string> {
  try {
    const loaded = await loadModel(path);
    await loaded.session.release();
    return 'loaded';
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    expect(err.message).not.toContain(sandbox.secret);
    return err.type;
  }
}

describe('ONNX models with external data', () => {
  it('are refused by the loader when a graph initializer is external', async () => {
    for (const [i, location] of locations().entries()) {
      expect(await loadFailure(await craft(ExternalTensorPlace.initializer, location, i))).toBe('ModelInvalid');
    }
  });

  it('are refused by registration, which stores nothing', async () => {
    const registry = openRegistry(sandbox.root);
    const store = openArtifactStore(sandbox.root);
    try {
      for (const [i, location] of locations().entries()) {
        const modelPath = await craft(ExternalTensorPlace.initializer, location, i);
        await expect(
          registerModelFile({ registry, store }, { model: 'crafted', modelPath, idempotencyKey: `k${i}` }),
        ).rejects.toMatchObject({ type: 'ModelInvalid' });
      }
      expect(await registry.listModels()).toEqual([]);
      expect(await readdir(join(sandbox.root, 'artifacts'))).toEqual(['tmp']);
    } finally {
      await registry.close();
    }
  });

  it('are refused by `mlops models register` with exit code 2', async () => {
    const savedHome = process.env.MLOPS_HOME;
    process.env.MLOPS_HOME = sandbox.root;
    try {
      const modelPath = await craft(ExternalTensorPlace.initializer, '../../etc/passwd', 99);
      const code = await main(['node', 'mlops', 'models', 'register', 'crafted', '--model', modelPath, '--json']);
      expect(code).toBe(2);
    } finally {
      if (savedHome === undefined) delete process.env.MLOPS_HOME;
      else process.env.MLOPS_HOME = savedHome;
    }
  });

  it('are refused when a Constant node holds the external tensor', async () => {
    for (const [i, location] of locations().entries()) {
      expect(await loadFailure(await craft(ExternalTensorPlace.constantNode, location, i))).toBe('ModelInvalid');
    }
  });

  // onnxruntime resolves a sparse initializer's or a subgraph's external file against the working directory, so
  // the loader must find external data in every tensor of the model, not only in the graph's initializers.
  it.each([ExternalTensorPlace.sparseInitializer, ExternalTensorPlace.subgraph])(
    'are refused when a %s holds the external tensor',
    async (place) => {
      for (const [i, location] of locations().entries()) {
        expect(await loadFailure(await craft(place, location, i))).toBe('ModelInvalid');
      }
    },
  );

  it('leave everything outside the state folder untouched', async () => {
    expect(await escapes(sandbox, before)).toEqual([]);
  });
});
