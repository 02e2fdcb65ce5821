import fs from 'node:fs';
import { InputError, inputTooLarge, MAX_INPUT_BYTES } from '../core/diagnosis';

export const STDIN_SOURCE = 'stdin';

export interface RawInput {
  readonly source: string;
  readonly content: Buffer;
}

/** Reads `-` (or no argument) from stdin, anything else as one file; every failure is an InputError naming the source. */
export async function readInput(fileArgument: string | undefined, stdin: NodeJS.ReadableStream): Promise<RawInput> {
  if (fileArgument === undefined || fileArgument === '-') {
    return { source: STDIN_SOURCE, content: await readStream(stdin) };
  }
  return { source: fileArgument, content: readInputFile(fileArgument) };
}

/**
 * Reads one regular file of at most maxBytes. Anything else (a directory, a FIFO, a device, a socket) is refused by
 * name without being opened for reading: a FIFO would block until a writer comes, a device may never end.
 * The file is looked at first (opening some devices has effects), then opened without blocking and looked at again
 * through its descriptor, so a file swapped for a FIFO in between is refused too rather than waited on.
 */
export function readInputFile(file: string, maxBytes = MAX_INPUT_BYTES): Buffer {
  let descriptor: number | undefined;
  try {
    checkRegularFile(file, fs.statSync(file), maxBytes);
    descriptor = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const stats = fs.fstatSync(descriptor);
    checkRegularFile(file, stats, maxBytes);
    return readAtMost(descriptor, stats.size, maxBytes, file);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, describeFileError(error));
  } finally {
    if (descriptor !== undefined) fs.closeSync(descriptor);
  }
}

function checkRegularFile(file: string, stats: fs.Stats, maxBytes: number): void {
  const problem = notRegularFileProblem(stats);
  if (problem !== null) throw new InputError(file, problem);
  if (stats.size > maxBytes) throw inputTooLarge(file, maxBytes);
}

/** Why a path that is not a regular file is not read, or null for a regular file. */
export function notRegularFileProblem(stats: fs.Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return IS_A_DIRECTORY;
  const hint = stats.isFIFO() ? '; to read a pipe, give it on stdin as "-"' : '';
  return `is ${describeFileType(stats)}, not a regular file${hint}`;
}

function describeFileType(stats: fs.Stats): string {
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

/** Reads to the end, but never more than maxBytes + 1: a file still growing past the limit is refused, not followed. */
function readAtMost(descriptor: number, expectedSize: number, maxBytes: number, file: string): Buffer {
  let buffer = Buffer.allocUnsafe(Math.min(expectedSize, maxBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > maxBytes) throw inputTooLarge(file, maxBytes);
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const read = fs.readSync(descriptor, buffer, length, buffer.length - length, null);
    if (read === 0) return buffer.subarray(0, length);
    length += read;
  }
}

/** Reads a stream to its end, refusing it as soon as it holds more than maxBytes. */
export async function readStream(stream: NodeJS.ReadableStream, maxBytes = MAX_INPUT_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      length += bytes.length;
      if (length > maxBytes) throw inputTooLarge(STDIN_SOURCE, maxBytes);
      chunks.push(bytes);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(STDIN_SOURCE, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return Buffer.concat(chunks);
}

const IS_A_DIRECTORY = 'is a directory (explain reads one file; scan reads directories)';

/** What went wrong reading a file, in words (the caller names the file). */
export function describeFileError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return IS_A_DIRECTORY;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot read: ${error instanceof Error ? error.message : String(error)}`;
  }
}
