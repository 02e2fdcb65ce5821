import { escapeSingleLine } from '../lambdas/render/escape';

/**
 * The process boundary of the CLI: commands read and write through a CliIo so tests can run them
 * in-process with buffers instead of spawning the binary.
 */

export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  /** Commands report their exit status here rather than exiting, so pending output is flushed. */
  setExitCode(code: number): void;
  readonly now: () => Date;
}

export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    now: () => new Date(),
  };
}

export const EXIT = {
  ok: 0,
  /** scan: some files could not be read and were skipped; everything else was reported. */
  partial: 1,
  /** Bad input or bad option values: nothing was reported. */
  inputError: 2,
} as const;

/** Reports an input or option error as one line on stderr; the caller exits with EXIT.inputError. */
export function reportInputError(io: CliIo, message: string): void {
  // The message may quote a file name or a piece of the input: keep it to one harmless line.
  io.stderr.write(`denyscope: ${escapeSingleLine(message)}\n`);
}
