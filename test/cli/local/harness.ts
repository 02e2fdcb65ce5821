import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { registerIncidents } from '../../../cli/commands/incidents';
import { registerLocal } from '../../../cli/commands/local';
import type { CliIo, OutputStream } from '../../../cli/io';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly stdin?: string | Buffer;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: Date;
  /** Pretend stdout is a terminal this wide. */
  readonly columns?: number;
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

export const TEST_NOW = new Date('2026-11-25T12:00:00Z');

/** Runs `denyscope local|incidents <args>` in-process with the real option parser and buffers for stdio. */
export async function runDenyscope(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = new Capture(options.columns !== undefined, options.columns);
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
    now: () => options.now ?? TEST_NOW,
  };
  const program = new Command()
    .name('denyscope')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) });
  registerLocal(program, io);
  registerIncidents(program, io);
  try {
    await program.parseAsync(['node', 'denyscope', ...args]);
  } catch (error) {
    code = (error as { exitCode?: number }).exitCode ?? 99;
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function temporaryDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `denyscope-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SAMPLES_DIR = path.join(REPO_ROOT, 'samples', 'events');
