/** Pinned Temporal server and Web UI versions, built from their Go modules. */

/** One Go-built binary the embedded stack needs. */
export interface PinnedBinary {
  /** Short name used for the cache folder. */
  name: string;
  /** Go package path of the main package. */
  goPackage: string;
  version: string;
}

/** The Temporal server, built with `go install`; its module has no replace directives. */
export const TEMPORAL_SERVER: PinnedBinary = {
  name: 'temporal-server',
  goPackage: 'go.temporal.io/server/cmd/server',
  version: 'v1.31.2',
};

/** The Web UI server version that Temporal's own CLI pairs with the server above. */
export const TEMPORAL_UI_SERVER: PinnedBinary = {
  name: 'temporal-ui-server',
  goPackage: 'github.com/temporalio/ui-server/v2/cmd/server',
  version: 'v2.50.1',
};
