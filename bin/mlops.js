#!/usr/bin/env node
// The `mlops` command: runs the TypeScript CLI through tsx's require hook, so there is no build step.
require('tsx/cjs/api').register();
require('../client/cli/main.ts')
  .main(process.argv)
  // Exit once stdout has drained: a trainer's last lines (its `done`) must reach a slow reader.
  .then((code) => process.stdout.write('', () => process.exit(code)));
