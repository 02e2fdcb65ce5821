import { CommanderError } from 'commander';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CliIo, OutputStream } from '../../cli/io';
import { createProgram } from '../../cli/program';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly stdin?: string | Buffer;
  readonly tty?: boolean;
  /** Pretend stdout is a terminal this wide (implies tty). */
  readonly columns?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: Date;
}

/** Thrown by io.exit in tests, where the process must not exit. */
class ExitSignal extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

class Capture implements OutputStream {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Runs `denyscope <args>` in-process: the real option parser and commands, with buffers for stdin/stdout/stderr. */
export async function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const tty = options.tty ?? options.columns !== undefined;
  const stdout = new Capture(tty, options.columns ?? (tty ? 120 : undefined));
  const stderr = new Capture(false);
  let code = 0;
  const io: CliIo = {
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout,
    stderr,
    env: options.env ?? {},
    setExitCode: (value) => {
      code = value;
    },
    exit: (value) => {
      throw new ExitSignal(value);
    },
    now: () => options.now ?? new Date('2026-11-21T00:00:00Z'),
  };
  // The parser's own exits at the root (help shown, unknown command) throw instead of ending the test process.
  const program = createProgram(io).exitOverride();
  try {
    await program.parseAsync(['node', 'denyscope', ...args]);
  } catch (error) {
    // The parser's own exits (help shown, usage errors) come through io.exit or, at the root, exitOverride.
    if (error instanceof ExitSignal) code = error.code;
    else if (error instanceof CommanderError) code = error.exitCode;
    else throw error;
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The built CLI's launcher, as `npm i -g denyscope` installs it (jest's globalSetup builds cli/dist). */
export const BUILT_CLI = path.resolve(__dirname, '..', '..', 'cli', 'bin', 'denyscope.mjs');

/**
 * Runs the built CLI in a child process, as a user would, without blocking this process (which may serve a stand-in):
 * in `cwd` (default the repository), with NO_COLOR set and `env` over this process's environment (an undefined value
 * removes a variable), or over nothing with `inheritEnv: false`.
 */
export function runBuiltCli(
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly inheritEnv?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    cwd: options.cwd ?? path.resolve(__dirname, '..', '..'),
    env: { ...(options.inheritEnv === false ? {} : process.env), NO_COLOR: '1', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
