// `npm run test:packaging`: the packages as people install them. Packs @denyscope/core, @denyscope/cdk and denyscope
// (`npm pack`, which builds each), installs the construct into a new CDK app outside the repository (its own
// `npm install` from the registry plus the tarballs: nothing resolves from this repository's node_modules), synthesizes
// it from TypeScript compiled by tsc and from plain JavaScript, installs the CLI into a temporary global prefix
// (`npm install -g --prefix`) and runs it, and prints what each install weighs.
// Needs the npm registry; the npm cache is kept in .cache/npm so later runs download little.
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npmCache = path.join(root, '.cache', 'npm');
// Outside the repository, so that Node's module lookup (which walks up the parent directories) cannot reach its node_modules.
const work = mkdtempSync(path.join(os.tmpdir(), 'denyscope-packaging-'));
const started = Date.now();
let passed = 0;
let failed = 0;

function check(description, condition, detail = '') {
  if (condition) passed += 1;
  else failed += 1;
  process.stdout.write(`${condition ? 'ok  ' : 'FAIL'} ${description}${!condition && detail ? `\n     ${detail}` : ''}\n`);
}

/** Runs a command, returns its stdout; throws with its output when it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${options.cwd ?? root}) exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

const npm = (args, options = {}) => run('npm', [...args, '--cache', npmCache, '--prefer-offline', '--no-audit', '--no-fund'], options);

/** Bytes of the files under a directory (apparent size; symbolic links not followed). */
function bytesUnder(directory) {
  let total = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const entryPath = path.join(directory, entry.name);
    if (entry.isDirectory()) total += bytesUnder(entryPath);
    else if (entry.isFile()) total += statSync(entryPath).size;
  }
  return total;
}

const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const installedVersion = (name) => JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

/** The packages a module file requires (string literals only: that is all tsc emits for static imports). */
function requiresIn(file) {
  return [...readFileSync(file, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1]);
}

function filesUnder(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const entryPath = path.join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(entryPath) : [entryPath];
  });
}

try {
  // ------------------------------------------------------------------------------------------------------ pack
  const tarballs = path.join(work, 'tarballs');
  mkdirSync(tarballs);
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', tarballs, '-w', 'core', '-w', 'lib', '-w', 'cli'], { cwd: root }));
  const tarball = (name) => path.join(tarballs, packed.find((entry) => entry.name === name).filename);
  const contents = (name) => packed.find((entry) => entry.name === name).files.map((file) => file.path);

  const cdkFiles = contents('@denyscope/cdk');
  check(
    '@denyscope/cdk ships compiled JavaScript with .d.ts types and no TypeScript sources',
    cdkFiles.includes('dist/index.js') && cdkFiles.includes('dist/index.d.ts') && !cdkFiles.some((file) => /(?<!\.d)\.ts$/.test(file)),
    cdkFiles.join(' '),
  );
  check('@denyscope/cdk ships the pre-built Lambda bundle', cdkFiles.includes('assets/alert-handler/index.js'), cdkFiles.join(' '));
  check('@denyscope/cdk ships the pre-built digest Lambda bundle', cdkFiles.includes('assets/digest-handler/index.js'), cdkFiles.join(' '));
  const coreFiles = contents('@denyscope/core');
  check(
    '@denyscope/core ships compiled JavaScript with .d.ts types and no TypeScript sources',
    coreFiles.includes('dist/contract.js') &&
      coreFiles.includes('dist/contract.d.ts') &&
      !coreFiles.some((file) => /(?<!\.d)\.ts$/.test(file)),
    coreFiles.join(' '),
  );
  const cliFiles = contents('denyscope');
  check(
    'denyscope ships the launcher, the bundle and the samples, no sources',
    cliFiles.includes('bin/denyscope.mjs') &&
      cliFiles.includes('dist/denyscope.js') &&
      cliFiles.includes('samples/events/service-control-policy-explicit.json') &&
      !cliFiles.some((file) => file.endsWith('.ts')),
    cliFiles.join(' '),
  );

  // The compiled construct library requires only its peers, its dependencies and Node.js built-ins.
  const allowed = new Set(['aws-cdk-lib', 'constructs', '@denyscope/core', 'zod']);
  const packageOf = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
  const outside = filesUnder(path.join(root, 'lib', 'dist'))
    .filter((file) => file.endsWith('.js'))
    .flatMap(requiresIn)
    .filter(
      (specifier) =>
        !specifier.startsWith('.') && !builtinModules.includes(specifier.replace(/^node:/, '')) && !allowed.has(packageOf(specifier)),
    );
  check(
    '@denyscope/cdk requires only aws-cdk-lib, constructs, @denyscope/core, zod and Node.js built-ins',
    outside.length === 0,
    outside.join(', '),
  );

  // ------------------------------------------------------------------------------------------------- CDK app
  const app = path.join(work, 'cdk-app');
  mkdirSync(path.join(app, 'bin'), { recursive: true });
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'cdk-app',
      private: true,
      dependencies: {
        'aws-cdk-lib': installedVersion('aws-cdk-lib'),
        constructs: installedVersion('constructs'),
        // @denyscope/core is not on the registry: the tarball stands in for it, as @denyscope/cdk's dependency.
        '@denyscope/cdk': `file:${tarball('@denyscope/cdk')}`,
        '@denyscope/core': `file:${tarball('@denyscope/core')}`,
      },
      devDependencies: { typescript: installedVersion('typescript'), '@types/node': installedVersion('@types/node') },
    }),
  );
  // The compiler options `cdk init app --language typescript` writes, emitting JavaScript.
  writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['es2022'],
        strict: true,
        skipLibCheck: false,
        types: ['node'],
        outDir: 'build',
      },
      include: ['bin/**/*.ts'],
    }),
  );
  const props = "{ alertEmails: ['oncall@example.com'], services: ['dynamodb', 's3'] }";
  writeFileSync(
    path.join(app, 'bin', 'app.ts'),
    [
      "import { App, Stack } from 'aws-cdk-lib';",
      "import { AccessDeniedAlerts, type AccessDeniedAlertsProps } from '@denyscope/cdk';",
      `const props: AccessDeniedAlertsProps = ${props};`,
      "const app = new App({ outdir: 'cdk.out.ts' });",
      "new AccessDeniedAlerts(new Stack(app, 'Alerts'), 'Alerts', props);",
      'app.synth();',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(app, 'app.js'),
    [
      "const { App, Stack } = require('aws-cdk-lib');",
      "const { AccessDeniedAlerts } = require('@denyscope/cdk');",
      "const app = new App({ outdir: 'cdk.out.js' });",
      `new AccessDeniedAlerts(new Stack(app, 'Alerts'), 'Alerts', ${props});`,
      'app.synth();',
      '',
    ].join('\n'),
  );
  const installStarted = Date.now();
  npm(['install'], { cwd: app });
  const cdkInstallSeconds = (Date.now() - installStarted) / 1000;
  const appModules = path.join(app, 'node_modules');
  const neverInstalled = [
    'esbuild',
    'tsx',
    'dynalite',
    'classic-level',
    'commander',
    '@aws-sdk/client-dynamodb',
    '@aws-lambda-powertools/logger',
  ].filter((name) => existsSync(path.join(appModules, name)));
  check(
    'a CDK app gets no esbuild, tsx, dynalite, LevelDB, CLI or Lambda runtime dependencies',
    neverInstalled.length === 0,
    neverInstalled.join(', '),
  );

  run(path.join(appModules, '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: app });
  check(
    'the TypeScript app type-checks against the published .d.ts (skipLibCheck off) and compiles',
    existsSync(path.join(app, 'build', 'app.js')),
  );
  const bundledAsset = (name) => readFileSync(path.join(appModules, '@denyscope', 'cdk', 'assets', name, 'index.js'), 'utf8');
  const bundled = { alert: bundledAsset('alert-handler'), digest: bundledAsset('digest-handler') };
  for (const [language, entry, outdir] of [
    ['TypeScript', path.join('build', 'app.js'), 'cdk.out.ts'],
    ['JavaScript', 'app.js', 'cdk.out.js'],
  ]) {
    // PATH without the repository's tools: synth must not need esbuild, Docker or tsx.
    run(process.execPath, [entry], { cwd: app, env: { PATH: path.dirname(process.execPath), HOME: work } });
    const template = JSON.parse(readFileSync(path.join(app, outdir, 'Alerts.template.json'), 'utf8'));
    const functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler === 'index.handler',
    );
    check(
      `${language} app: synth gives the alert and digest Lambdas (index.handler, nodejs22.x, arm64)`,
      functions.length === 2 &&
        functions.every((fn) => fn.Properties.Runtime === 'nodejs22.x' && fn.Properties.Architectures?.[0] === 'arm64'),
      `${functions.length} functions with index.handler`,
    );
    const stagedCode = functions.map((fn) => {
      const assetHash = /([0-9a-f]{64})\.zip/.exec(JSON.stringify(fn.Properties.Code ?? {}))?.[1];
      const staged = assetHash ? path.join(app, outdir, `asset.${assetHash}`, 'index.js') : '';
      return staged !== '' && existsSync(staged) ? readFileSync(staged, 'utf8') : null;
    });
    for (const [name, code] of Object.entries(bundled)) {
      check(
        `${language} app: the ${name} Lambda's code asset is the pre-built bundle from the package`,
        stagedCode.filter((staged) => staged === code).length === 1,
      );
    }
  }

  // ------------------------------------------------------------------------------------------------------ CLI
  const prefix = path.join(work, 'global');
  const cliInstallStarted = Date.now();
  npm(['install', '-g', '--prefix', prefix, tarball('denyscope')], { cwd: work });
  const cliInstallSeconds = (Date.now() - cliInstallStarted) / 1000;
  const denyscope = path.join(prefix, 'bin', 'denyscope');
  const installedCli = path.join(prefix, 'lib', 'node_modules', 'denyscope');
  const sample = path.join(installedCli, 'samples', 'events', 'service-control-policy-explicit.json');
  const cliEnv = { PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}`, HOME: work, NO_COLOR: '1' };
  const explained = spawnSync(denyscope, ['explain', sample], { cwd: work, encoding: 'utf8', env: cliEnv });
  check(
    'denyscope explain (global install) diagnoses the sample: exit 0, service control policy',
    explained.status === 0 && explained.stdout.includes('DENIED dynamodb:PutItem') && explained.stdout.includes('service-control-policy'),
    explained.stderr,
  );
  const explainedJson = spawnSync(denyscope, ['explain', '--json', sample], { cwd: work, encoding: 'utf8', env: cliEnv });
  check(
    'denyscope explain --json gives the diagnosis document',
    explainedJson.status === 0 && JSON.parse(explainedJson.stdout).diagnoses[0]?.cause === 'service-control-policy',
    explainedJson.stderr,
  );
  // The embedded store (dynalite on LevelDB's native binding) works from the global install.
  const local = spawnSync(denyscope, ['local', '--json', '--data-dir', path.join(work, 'store')], {
    cwd: work,
    encoding: 'utf8',
    env: cliEnv,
  });
  const summary = local.status === 0 ? JSON.parse(local.stdout) : {};
  check(
    'denyscope local (global install) runs the bundled samples on its embedded store',
    local.status === 0 && summary.newIncidents > 0 && summary.errors === 0,
    local.stderr,
  );

  // ---------------------------------------------------------------------------------------------- install sizes
  const denyscopeModules = ['@denyscope/cdk', '@denyscope/core', 'zod'].map((name) => path.join(appModules, name));
  const cdkModules = ['aws-cdk-lib', 'constructs'].map((name) => path.join(appModules, name));
  const sum = (directories) => directories.reduce((total, directory) => total + bytesUnder(directory), 0);
  process.stdout.write(
    [
      '',
      'Install sizes (apparent size of the files):',
      `  CDK app node_modules:                        ${megabytes(bytesUnder(appModules))} (with typescript and @types/node for the TypeScript app)`,
      `    of which @denyscope/cdk + @denyscope/core + zod: ${megabytes(sum(denyscopeModules))} (${denyscopeModules.map((directory) => `${path.relative(appModules, directory)} ${megabytes(bytesUnder(directory))}`).join(', ')}; the Lambda asset ${megabytes(bytesUnder(path.join(appModules, '@denyscope', 'cdk', 'assets')))})`,
      `    of which aws-cdk-lib + constructs (peers):   ${megabytes(sum(cdkModules))}`,
      `  CLI global install (denyscope + dynalite):   ${megabytes(bytesUnder(installedCli))}`,
      `    of which the bundle (dist/):               ${megabytes(bytesUnder(path.join(installedCli, 'dist')))}`,
      `Install times: CDK app ${cdkInstallSeconds.toFixed(0)} s, CLI ${cliInstallSeconds.toFixed(0)} s; whole run ${((Date.now() - started) / 1000).toFixed(0)} s.`,
      '',
    ].join('\n'),
  );
} catch (error) {
  failed += 1;
  process.stdout.write(`FAIL ${error instanceof Error ? error.message : String(error)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

process.stdout.write(`packaging: ${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
