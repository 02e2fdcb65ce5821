// Bundles the alert Lambda (lambdas/alert-handler.ts) into lib/assets/alert-handler/ and the digest Lambda
// (lambdas/digest-handler.ts) into lib/assets/digest-handler/, the assets the constructs deploy with lambda.Code.fromAsset: a CDK app that uses @denyscope/cdk synthesizes with no esbuild, Docker or tsx.
// Runs when @denyscope/cdk is packed, before every `cdk synth|deploy` of this repository (cdk.json), and from the jest
// global setup, so neither a deployment nor a test can pick up a bundle older than the sources.
import { build } from 'esbuild';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const ALERT_HANDLER_ENTRY = path.join(root, 'lambdas', 'alert-handler.ts');
export const ALERT_HANDLER_ASSET_DIR = path.join(root, 'lib', 'assets', 'alert-handler');
export const DEEP_DIAGNOSIS_ENTRY = path.join(root, 'lambdas', 'deep-diagnosis-evidence.ts');
const TRACING_ENTRY = path.join(root, 'lambdas', 'tracing.ts');
export const DIGEST_HANDLER_ENTRY = path.join(root, 'lambdas', 'digest-handler.ts');
export const DIGEST_HANDLER_ASSET_DIR = path.join(root, 'lib', 'assets', 'digest-handler');
/** Deep diagnosis's own file in the asset, next to index.js. */
export const DEEP_DIAGNOSIS_FILE = 'deep-diagnosis-evidence.js';
/** Tracing's own file (Powertools Tracer and the X-Ray SDK), next to index.js. */
const TRACING_FILE = 'tracing.js';

/**
 * The modules the handler loads only when it needs them, each a file of its own beside index.js: deep diagnosis (its
 * SDK clients, the policy evaluator and the store parser, on the first alert that needs it) and tracing (with
 * tracing=true). One bundle holding them would cost every cold start the parsing of them (README, Benchmarks). The
 * handler's import of each becomes a require of its file.
 */
export const SEPARATE_FILES = {
  name: 'separate-files',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /(^|\/)deep-diagnosis-evidence$/ }, () => ({ path: `./${DEEP_DIAGNOSIS_FILE}`, external: true }));
    pluginBuild.onResolve({ filter: /^\.\/tracing$/ }, () => ({ path: `./${TRACING_FILE}`, external: true }));
  },
};

/**
 * The esbuild options of the deployed bundle (bench/lambda.bench.ts measures the same): CommonJS for the Node.js 22
 * runtime, minified with a source map (the function runs with --enable-source-maps); `@aws-sdk/*` comes from the
 * runtime, everything else (Powertools, the core) is bundled, so the asset imports nothing but those and Node built-ins.
 */
export const ALERT_HANDLER_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  external: ['@aws-sdk/*'],
  logLevel: 'warning',
};

/** The builds of the asset into `directory`: the handler (index.js), and deep diagnosis and tracing beside it. */
export function alertHandlerBuilds(directory, options = ALERT_HANDLER_BUILD_OPTIONS) {
  return [
    { ...options, entryPoints: [ALERT_HANDLER_ENTRY], outfile: path.join(directory, 'index.js'), plugins: [SEPARATE_FILES] },
    { ...options, entryPoints: [DEEP_DIAGNOSIS_ENTRY], outfile: path.join(directory, DEEP_DIAGNOSIS_FILE) },
    { ...options, entryPoints: [TRACING_ENTRY], outfile: path.join(directory, TRACING_FILE) },
  ];
}

/** The digest Lambda's asset: one file, built like the alert Lambda's handler (it loads nothing on demand). */
export function digestHandlerBuilds(directory, options = ALERT_HANDLER_BUILD_OPTIONS) {
  return [{ ...options, entryPoints: [DIGEST_HANDLER_ENTRY], outfile: path.join(directory, 'index.js') }];
}

/** Builds both assets; each directory is replaced whole, so no file of an older build is left in it. */
export async function buildAlertHandler() {
  await Promise.all([buildAsset(ALERT_HANDLER_ASSET_DIR, alertHandlerBuilds), buildAsset(DIGEST_HANDLER_ASSET_DIR, digestHandlerBuilds)]);
}

async function buildAsset(directory, builds) {
  const results = await Promise.all(builds(directory).map((options) => build({ ...options, absWorkingDir: root, write: false })));
  const staging = `${directory}.${process.pid}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const file of results.flatMap((result) => result.outputFiles))
    writeFileSync(path.join(staging, path.basename(file.path)), file.contents);
  rmSync(directory, { recursive: true, force: true });
  renameSync(staging, directory);
}

// Run as a script (not imported, as bench/lambda.bench.ts does for the options). No top-level await, so CommonJS
// TypeScript run by tsx can import this module.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAlertHandler().catch(() => {
    // esbuild has already printed each problem; say what it means.
    process.stderr.write('build-lambda: bundling lambdas/alert-handler.ts or lambdas/digest-handler.ts failed; see the errors above.\n');
    process.exit(1);
  });
}
