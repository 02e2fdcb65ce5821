// Jest global setup: builds the CLI bundle (cli/dist/) and the alert Lambda asset (lib/assets/) from the current
// sources before any test runs, so the binary tests and every synth exercise this code, never an earlier build.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildFromSources() {
  for (const script of ['build-cli.mjs', 'build-lambda.mjs']) {
    const build = spawnSync(process.execPath, [fileURLToPath(new URL(`../scripts/${script}`, import.meta.url))], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`scripts/${script} failed:\n${build.stderr}`);
  }
}
