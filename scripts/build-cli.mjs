// Bundles the CLI into cli/dist/ so `denyscope` starts fast with no TypeScript tooling at run time, and the npm package
// `denyscope` ships one bundle instead of its sources and their dependencies (only dynalite stays a dependency).
// Runs from `npm run prepare` (and so from `npm ci`), from the jest global setup (tests never run a stale bundle),
// and when the package is packed; cli/bin/denyscope.mjs also runs it when cli/dist/ is missing in a clone.
import { build } from 'esbuild';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Entry points; the scan worker is its own file because worker threads load a script by path.
const entryPoints = {
  denyscope: 'cli/main.ts',
  'scan-worker': 'cli/scan/scan-worker.ts',
};

// Packages that cannot be bundled: dynalite loads leveldb through level and its native binding classic-level.
const external = ['dynalite', 'level', 'classic-level'];

// ES modules with code splitting, so `explain` and `scan` of local files start without loading what only `local`,
// `incidents` and `scan s3://` use (the AWS SDK, the alert pipeline): those are separate chunks behind their dynamic
// imports. The banner gives the bundled CommonJS code (and our own path lookups) the require, __filename and
// __dirname that ES modules lack.
const banner = [
  "import { createRequire as __denyscopeCreateRequire } from 'node:module';",
  "import { fileURLToPath as __denyscopeFileURLToPath } from 'node:url';",
  "import { dirname as __denyscopeDirname } from 'node:path';",
  'const require = __denyscopeCreateRequire(import.meta.url);',
  'const __filename = __denyscopeFileURLToPath(import.meta.url);',
  'const __dirname = __denyscopeDirname(__filename);',
].join('\n');

let result;
try {
  result = await build({
    absWorkingDir: root,
    entryPoints,
    outdir: 'cli/dist',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    splitting: true,
    banner: { js: banner },
    sourcemap: true,
    minify: true,
    external,
    logLevel: 'warning',
    write: false,
  });
} catch {
  // esbuild has already printed each problem (e.g. an import it could not resolve); say what it means for the user.
  const missing = Object.values(entryPoints).filter((file) => !existsSync(path.join(root, file)));
  process.stderr.write(
    `build-cli: bundling the denyscope CLI failed${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}; see the errors above.\n`,
  );
  process.exit(1);
}

// cli/dist/package.json makes Node load dist/*.js as ES modules.
result.outputFiles.push({ path: path.join(root, 'cli', 'dist', 'package.json'), contents: Buffer.from('{ "type": "module" }\n') });

// Each file is written aside and renamed into place, so a denyscope starting meanwhile loads the old or the new bundle, never half of one.
for (const file of result.outputFiles) {
  mkdirSync(path.dirname(file.path), { recursive: true });
  const partial = `${file.path}.${process.pid}.partial`;
  writeFileSync(partial, file.contents);
  renameSync(partial, file.path);
}
