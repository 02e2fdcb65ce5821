import * as fs from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'denyscope';

/**
 * The bundled sample events (one per cause), found from the package root: the code runs from cli/local
 * under tsx and jest, and from the esbuild bundle elsewhere, so no fixed relative path holds for both.
 */
export function bundledSamplesDir(startDir: string = __dirname): string {
  for (let dir = startDir; ; dir = path.dirname(dir)) {
    if (isPackageRoot(dir)) return path.join(dir, 'samples', 'events');
    if (path.dirname(dir) === dir)
      throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${startDir} (looked for its package.json)`);
  }
}

function isPackageRoot(dir: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return manifest.name === PACKAGE_NAME;
  } catch {
    return false;
  }
}
