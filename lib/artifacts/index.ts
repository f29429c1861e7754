/** The content-addressed artifact store: the interface, the local-folder implementation and its opener. */
import { join } from 'node:path';
import { LocalArtifactStore } from './local-store';
import type { ArtifactStore } from './types';

export { LocalArtifactStore } from './local-store';
export type { LocalArtifactStoreOptions } from './local-store';
export { artifactRelativePath } from './paths';
export { SHA256_HEX, artifactUri, locatorDigest } from './types';
export type { ArtifactLocator, ArtifactRef, ArtifactStore, PutArtifactOptions } from './types';

/** Opens (creating when missing) the local artifact store of a state folder: `<home>/artifacts`. */
export function openArtifactStore(home: string): ArtifactStore {
  return new LocalArtifactStore({ root: join(home, 'artifacts') });
}
