import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../core/diagnosis';
import { describeFileError, notRegularFileProblem } from '../input';
import type { ScanError } from './summary';

export type ScanInput = { readonly kind: 'file'; readonly path: string; readonly size: number } | { readonly kind: 'stdin' };

export interface CollectedInputs {
  readonly inputs: ScanInput[];
  /** Entries met while walking that could not be listed or examined: named and skipped, like corrupt files. */
  readonly errors: ScanError[];
}

/** CloudTrail writes digest files next to the logs (AWSLogs/ACCT/CloudTrail-Digest/...): they hold hashes, not records. */
const SKIPPED_DIRECTORIES = new Set(['CloudTrail-Digest']);

/**
 * Expands the PATH arguments: files as given, directories recursively (every regular file, sorted by name,
 * skipping hidden entries and CloudTrail-Digest), "-" as stdin. A PATH that does not exist is an InputError; a
 * named pipe, device or socket, given or met, is one of the errors (named and skipped).
 * The file system calls are synchronous: the walk is sequential anyway and nothing else runs meanwhile, and they
 * cost half as much as awaited ones (the 500-file bench tree: ~27 ms instead of ~50 ms).
 */
export function collectInputs(paths: readonly string[]): CollectedInputs {
  const inputs: ScanInput[] = [];
  const errors: ScanError[] = [];
  for (const argument of paths) {
    if (argument === '-') {
      if (!inputs.some((input) => input.kind === 'stdin')) inputs.push({ kind: 'stdin' });
      continue;
    }
    let stats;
    try {
      stats = fs.statSync(argument);
    } catch (error) {
      throw new InputError(argument, describeFileError(error));
    }
    if (stats.isDirectory()) walk(argument, inputs, errors);
    else addFile(argument, stats, inputs, errors);
  }
  return { inputs, errors };
}

/** A regular file becomes an input; anything else (a named pipe, a device, a socket) is named and skipped, never opened. */
function addFile(file: string, stats: fs.Stats, inputs: ScanInput[], errors: ScanError[]): void {
  const problem = notRegularFileProblem(stats);
  if (problem === null) inputs.push({ kind: 'file', path: file, size: stats.size });
  else errors.push({ file, message: `${file}: ${problem}` });
}

function walk(directory: string, inputs: ScanInput[], errors: ScanError[]): void {
  let entries;
  try {
    entries = fs.readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    errors.push({ file: directory, message: `${directory}: ${describeFileError(error)}` });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const entryPath = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(entryPath, inputs, errors);
      continue;
    }
    try {
      const stats = fs.statSync(entryPath);
      // Symbolic links to files are followed; links to directories are not, so a link cannot make a loop.
      if (!(entry.isSymbolicLink() && stats.isDirectory())) addFile(entryPath, stats, inputs, errors);
    } catch (error) {
      errors.push({ file: entryPath, message: `${entryPath}: ${describeFileError(error)}` });
    }
  }
}
