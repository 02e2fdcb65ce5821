#!/usr/bin/env node
// The `denyscope` command: runs the bundle scripts/build-cli.mjs writes to dist/ (built by `npm ci` through `prepare`).
// When dist/ is missing (e.g. a clone installed with --ignore-scripts), it builds it once, then runs it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/denyscope.js', import.meta.url));

if (!existsSync(bundle)) {
  const buildScript = fileURLToPath(new URL('../scripts/build-cli.mjs', import.meta.url));
  process.stderr.write('denyscope: first run, building the CLI into dist/ ...\n');
  const built = spawnSync(process.execPath, [buildScript], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0 || !existsSync(bundle)) {
    process.stderr.write(`denyscope: the CLI is not built (${bundle} is missing); run \`npm run prepare\` in the denyscope directory\n`);
    process.exit(1);
  }
}

// dist/ carries source maps; they are not loaded by default (parsing them costs ~60 ms of CPU at every start).
// For stack traces that point at the TypeScript sources: node --enable-source-maps bin/denyscope.mjs ...
await import(pathToFileURL(bundle).href);
