import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { readStream, STDIN_SOURCE } from '../input';
import { scanContent, scanFile } from './file-scan';
import type { ScanFilter } from './filters';
import type { ScanInput } from './files';
import type { FileScanResult } from './summary';

/** What every worker needs to scan a file; sent once as workerData. */
export interface ScanSettings {
  readonly filter: ScanFilter;
  readonly limit: number;
}

export type WorkerTask = { readonly index: number; readonly path: string };
export type WorkerReply = { readonly index: number; readonly result: FileScanResult } | { readonly index: number; readonly crash: string };

/** Below this much input, starting workers costs more than it saves. */
const PARALLEL_THRESHOLD_BYTES = 4 * 1024 * 1024;

export function defaultJobs(inputs: readonly ScanInput[]): number {
  const files = inputs.filter((input) => input.kind === 'file');
  const bytes = files.reduce((sum, input) => sum + input.size, 0);
  if (files.length < 2 || bytes < PARALLEL_THRESHOLD_BYTES) return 1;
  return Math.min(os.availableParallelism(), files.length);
}

/**
 * Scans every input and hands the results to `onResult` in input order, whatever order workers finish in.
 * With jobs > 1, files go one at a time to a pool of worker threads that read, gunzip, parse and diagnose them
 * and send back only counts and the first `limit` diagnoses; stdin is always read in this thread.
 */
export async function scanInputs(
  inputs: readonly ScanInput[],
  settings: ScanSettings,
  jobs: number,
  stdin: NodeJS.ReadableStream,
  onResult: (result: FileScanResult) => void,
): Promise<void> {
  const ordered = new InOrder(onResult);
  const fileTasks: WorkerTask[] = [];
  for (const [index, input] of inputs.entries()) {
    if (input.kind === 'file') {
      fileTasks.push({ index, path: input.path });
    } else {
      // stdin is read up front so its turn in the output order never waits on a worker.
      ordered.deliver(index, scanContent(await readStream(stdin), STDIN_SOURCE, settings.filter, settings.limit));
    }
  }
  const workers = Math.min(jobs, fileTasks.length);
  if (workers <= 1) {
    for (const task of fileTasks) ordered.deliver(task.index, scanFile(task.path, settings.filter, settings.limit));
    return;
  }
  await runPool(fileTasks, settings, workers, (index, result) => ordered.deliver(index, result));
}

class InOrder {
  private next = 0;
  private readonly waiting = new Map<number, FileScanResult>();

  constructor(private readonly onResult: (result: FileScanResult) => void) {}

  deliver(index: number, result: FileScanResult): void {
    this.waiting.set(index, result);
    // Every input index gets exactly one result, so the queue always drains.
    for (let ready = this.waiting.get(this.next); ready !== undefined; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.next += 1;
      this.onResult(ready);
    }
  }
}

function runPool(tasks: readonly WorkerTask[], settings: ScanSettings, size: number, onResult: (index: number, result: FileScanResult) => void): Promise<void> {
  const script = workerScript();
  const pool: Worker[] = [];
  let nextTask = 0;
  let pending = tasks.length;

  return new Promise<void>((resolve, reject) => {
    const stopAll = (): void => {
      for (const worker of pool) void worker.terminate();
    };
    const fail = (error: Error): void => {
      stopAll();
      reject(error);
    };
    const feed = (worker: Worker): void => {
      if (nextTask < tasks.length) worker.postMessage(tasks[nextTask++]);
    };
    for (let i = 0; i < size; i += 1) {
      const worker = new Worker(script.source, { eval: script.eval, workerData: settings });
      pool.push(worker);
      worker.on('message', (reply: WorkerReply) => {
        if ('crash' in reply) {
          fail(new Error(`scanning ${tasks.find((task) => task.index === reply.index)?.path ?? 'a file'} failed: ${reply.crash}`));
          return;
        }
        onResult(reply.index, reply.result);
        pending -= 1;
        if (pending === 0) {
          stopAll();
          resolve();
        } else {
          feed(worker);
        }
      });
      worker.on('error', fail);
      feed(worker);
    }
  });
}

/**
 * The built CLI ships dist/scan-worker.js next to the bundle. From source (tsx, jest) the worker is TypeScript:
 * a one-line bootstrap registers tsx's require hook in the worker first.
 */
function workerScript(): { source: string; eval: boolean } {
  if (!__filename.endsWith('.ts')) return { source: path.join(__dirname, 'scan-worker.js'), eval: false };
  return { source: `require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, 'scan-worker.ts'))});`, eval: true };
}
