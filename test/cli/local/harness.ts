import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliRun, type RunOptions } from '../run-cli';

export const TEST_NOW = new Date('2026-11-25T12:00:00Z');

/** `denyscope local|incidents <args>` in-process, at a fixed "now" these tests' relative times are built on. */
export function runDenyscope(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return runCli(args, { now: TEST_NOW, ...options });
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function temporaryDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `denyscope-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SAMPLES_DIR = path.join(REPO_ROOT, 'cli', 'samples', 'events');
