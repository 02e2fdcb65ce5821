import { Command, CommanderError } from 'commander';
import { Readable } from 'node:stream';
import { registerExplain } from '../../cli/commands/explain';
import { registerScan } from '../../cli/commands/scan';
import type { CliIo, OutputStream } from '../../cli/io';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly stdin?: string | Buffer;
  readonly tty?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: Date;
}

class Capture implements OutputStream {
  text = '';
  constructor(readonly isTTY: boolean, readonly columns?: number) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Runs `denyscope <args>` in-process: the real option parser and commands, with buffers for stdin/stdout/stderr. */
export async function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = new Capture(options.tty === true, options.tty === true ? 120 : undefined);
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
    now: () => options.now ?? new Date('2026-11-21T00:00:00Z'),
  };
  const program = new Command()
    .name('denyscope')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) });
  registerExplain(program, io);
  registerScan(program, io);
  try {
    await program.parseAsync(['node', 'denyscope', ...args]);
  } catch (error) {
    // exitOverride turns the parser's own exits (help, usage errors) into exceptions carrying the status.
    if (!(error instanceof CommanderError)) throw error;
    code = error.exitCode;
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}
