import fs from 'node:fs';
import { describeFileError } from '../input';
import { describeFailure, failedScan, scanBytes, type ScanSettings } from './file-scan';
import { tooLarge } from './gzip';
import type { FileScanResult } from './summary';

/** Why a path cannot be scanned, as one line naming it. */
export class UnreadableFileError extends Error {}

/**
 * What a path is when it is not a regular file, in words; null for a regular file. Only regular files are read: a
 * named pipe or a device would block or never end, and a socket cannot be read at all.
 */
export function nonRegularKind(stats: fs.Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

export const notRegularMessage = (file: string, kind: string): string => `${file}: not a regular file (${kind})`;

/**
 * Reads a regular file whole, at most `maxBytes`. The file is opened without blocking and checked again through
 * its descriptor, so one replaced by a named pipe or a device after it was listed is refused, never waited on.
 * Throws UnreadableFileError.
 */
export function readRegularFile(file: string, maxBytes: number): Buffer {
  let descriptor: number;
  try {
    descriptor = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    // Opening a socket fails (ENXIO): say what it is rather than the errno.
    const kind = (error as NodeJS.ErrnoException).code === 'ENXIO' ? kindOf(file) : null;
    throw new UnreadableFileError(kind === null ? `${file}: ${describeFileError(error)}` : notRegularMessage(file, kind));
  }
  try {
    const stats = fs.fstatSync(descriptor);
    const kind = nonRegularKind(stats);
    if (kind !== null) throw new UnreadableFileError(notRegularMessage(file, kind));
    if (stats.size > maxBytes) throw new UnreadableFileError(`${file}: ${tooLarge(maxBytes).message}`);
    // Exactly the size it had when opened: a file still being written is read as it was then.
    const content = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < content.length) {
      const read = fs.readSync(descriptor, content, filled, content.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return content.subarray(0, filled);
  } catch (error) {
    if (error instanceof UnreadableFileError) throw error;
    throw new UnreadableFileError(`${file}: ${describeFileError(error)}`);
  } finally {
    fs.closeSync(descriptor);
  }
}

function kindOf(file: string): string | null {
  try {
    return nonRegularKind(fs.statSync(file));
  } catch {
    return null;
  }
}

/** Reads and scans one local file; never throws (see scanBytes). */
export async function scanLocalFile(file: string, settings: ScanSettings, maxDiagnoses: number): Promise<FileScanResult> {
  let content: Buffer;
  try {
    content = readRegularFile(file, settings.maxFileSize);
  } catch (error) {
    return failedScan(file, error instanceof UnreadableFileError ? error.message : describeFailure(file, error));
  }
  return scanBytes(file, content, settings, maxDiagnoses);
}
