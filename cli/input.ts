import { promises as fs } from 'node:fs';
import { InputError } from '../core/diagnosis';

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
  return { source: fileArgument, content: await readInputFile(fileArgument) };
}

export async function readInputFile(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw new InputError(file, describeFileError(error));
  }
}

export async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } catch (error) {
    throw new InputError(STDIN_SOURCE, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return Buffer.concat(chunks);
}

/** What went wrong reading a file, in words (the caller names the file). */
export function describeFileError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'is a directory (explain reads one file; scan reads directories)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot read: ${error instanceof Error ? error.message : String(error)}`;
  }
}
