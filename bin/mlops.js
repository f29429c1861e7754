#!/usr/bin/env node
// The `mlops` command: runs the TypeScript CLI through tsx's require hook, so there is no build step.
require('tsx/cjs/api').register();
require('../client/cli/main.ts')
  .main(process.argv)
  .then((code) => process.exit(code));
