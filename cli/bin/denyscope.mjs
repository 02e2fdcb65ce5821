#!/usr/bin/env node
// The `denyscope` command: runs the bundle scripts/build-cli.mjs writes to cli/dist/ (shipped in the npm package;
// in a clone, built by `npm ci` through `prepare`). When dist/ is missing in a clone (e.g. installed with
// --ignore-scripts), it builds it once, then runs it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/denyscope.js', import.meta.url));

if (!existsSync(bundle)) {
  const buildScript = fileURLToPath(new URL('../../scripts/build-cli.mjs', import.meta.url));
  if (existsSync(buildScript)) {
    process.stderr.write('denyscope: first run, building the CLI into cli/dist/ ...\n');
    spawnSync(process.execPath, [buildScript], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (!existsSync(bundle)) {
    process.stderr.write(`denyscope: the CLI is not built (${bundle} is missing); run \`npm run prepare\` in the denyscope repository\n`);
    process.exit(1);
  }
}

// dist/ carries source maps; they are not loaded by default (parsing them costs CPU at every start).
// For stack traces that point at the TypeScript sources: node --enable-source-maps cli/bin/denyscope.mjs ...
await import(pathToFileURL(bundle).href);
