import { escapeSingleLine } from '../core/render/escape';

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
  /**
   * Ends at once; only for the option parser's own exits (help shown, usage error), where nothing else runs.
   * Optional: process.exit when absent; tests pass one that throws.
   */
  readonly exit?: (code: number) => never;
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
    exit: (code) => process.exit(code),
    now: () => new Date(),
  };
}

export const EXIT = {
  ok: 0,
  /** scan: some files could not be read and were skipped; everything else was reported. */
  partial: 1,
  /** Bad input, bad option values or a usage error: nothing was reported. */
  inputError: 2,
} as const;

/**
 * Commander exits with status 1 on a usage error (unknown option, missing value), which scan uses for
 * "some files skipped". A command that installs this gives usage errors status 2, like bad option values.
 */
export function usageErrorsExitWith2(io: CliIo): (error: { exitCode: number }) => never {
  const exit = io.exit ?? ((code: number) => process.exit(code));
  return (error) => exit(error.exitCode === 0 ? EXIT.ok : EXIT.inputError);
}

/** Reports an input or option error as one line on stderr; the caller exits with EXIT.inputError. */
export function reportInputError(io: CliIo, message: string): void {
  // The message may quote a file name or a piece of the input: keep it to one harmless line.
  io.stderr.write(`denyscope: ${escapeSingleLine(message)}\n`);
}
