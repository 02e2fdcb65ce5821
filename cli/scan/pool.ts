import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { answerEvidenceRequest } from '../deep/deep-diagnosis';
import { STDIN_SOURCE } from '../input';
import { failedScan, scanStream, type ScanSettings } from './file-scan';
import type { ScanInput } from './files';
import { scanLocalFile } from './local-file';
import type { FileScanResult } from './summary';

export type WorkerTask = { readonly index: number; readonly path: string; readonly maxDiagnoses: number };
export type WorkerReply = { readonly index: number; readonly result: FileScanResult };

/**
 * Files handed to a worker ahead of the one it is scanning, so it never waits on the main thread for its next file
 * (it did for ~10% of its time with one at a time). Small, so that workers still finish close together.
 */
const TASKS_IN_FLIGHT = 2;

/** Below this much input, starting workers costs more than it saves. */
const PARALLEL_THRESHOLD_BYTES = 4 * 1024 * 1024;

/**
 * One scanning thread per core (as make -j or ripgrep do) for inputs big enough to pay for starting workers, else 1.
 * This thread is one of them: N threads are this one and N - 1 workers.
 */
export function defaultJobs(inputs: readonly ScanInput[], cores = os.availableParallelism()): number {
  const files = inputs.filter((input) => input.kind === 'file');
  const bytes = files.reduce((sum, input) => sum + input.size, 0);
  if (files.length < 2 || bytes < PARALLEL_THRESHOLD_BYTES) return 1;
  return Math.min(cores, files.length);
}

export interface ScanSink {
  /** Receives each input's result, in input order. */
  onResult(result: FileScanResult): void;
  /** How many more diagnoses the report still wants; files scanned after that send counts only. */
  wantedDiagnoses(): number;
}

/**
 * Scans every local input and hands the results to the sink in input order, whatever order threads finish in.
 * With jobs > 1, this thread and jobs - 1 worker threads take files a few at a time from one queue; each reads,
 * gunzips, parses and diagnoses its files; workers send back counts and only the diagnoses still wanted. This thread
 * scans too, rather than wait on the workers: a worker costs a start-up of its own, and this thread has its code
 * compiled and warm by the time a worker has loaded. Stdin is always read in this thread.
 */
export async function scanInputs(
  inputs: readonly ScanInput[],
  settings: ScanSettings,
  jobs: number,
  stdin: NodeJS.ReadableStream,
  sink: ScanSink,
): Promise<void> {
  const ordered = new InOrder<FileScanResult>((result) => sink.onResult(result));
  const fileTasks: Array<{ index: number; path: string }> = [];
  for (const [index, input] of inputs.entries()) {
    if (input.kind === 'file') {
      fileTasks.push({ index, path: input.path });
    } else {
      // stdin is read up front so its turn in the output order never waits on a worker.
      ordered.deliver(index, await scanStream(STDIN_SOURCE, stdin, settings, sink.wantedDiagnoses()));
    }
  }
  let nextTask = 0;
  // Files finished out of order are not counted yet, so this asks for at least as many diagnoses as needed.
  const takeTask = (): WorkerTask | null =>
    nextTask < fileTasks.length ? { ...fileTasks[nextTask++], maxDiagnoses: sink.wantedDiagnoses() } : null;
  const deliver = (index: number, result: FileScanResult): void => ordered.deliver(index, result);
  const workers = Math.min(jobs, fileTasks.length) - 1;
  if (workers < 1) {
    await scanInThisThread(takeTask, settings, deliver, false);
    return;
  }
  await Promise.all([runPool(takeTask, settings, workers, deliver), scanInThisThread(takeTask, settings, deliver, true)]);
}

/** Scans files from the queue in this thread; with workers, it lets their messages in between two files. */
async function scanInThisThread(
  takeTask: () => WorkerTask | null,
  settings: ScanSettings,
  deliver: (index: number, result: FileScanResult) => void,
  withWorkers: boolean,
): Promise<void> {
  for (let task = takeTask(); task !== null; task = takeTask()) {
    deliver(task.index, await scanLocalFile(task.path, settings, task.maxDiagnoses));
    // A worker's next file goes out only when this thread hears from it: a file's scan is synchronous work.
    if (withWorkers) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Hands results on in index order; every index gets exactly one result, so the queue always drains. */
export class InOrder<T> {
  private next = 0;
  private readonly waiting = new Map<number, T>();

  constructor(private readonly onResult: (result: T) => void) {}

  deliver(index: number, result: T): void {
    this.waiting.set(index, result);
    for (let ready = this.waiting.get(this.next); ready !== undefined; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.next += 1;
      this.onResult(ready);
    }
  }
}

/**
 * Runs tasks from `takeTask` (null when there are no more; other takers may share it) on `size` worker threads, and
 * resolves once every task it took has its result. A worker that dies (it should not: each file's failure is caught
 * in it) costs only the files it held, each reported as skipped, and is replaced, so the scan goes on.
 */
export function runPool(
  takeTask: () => WorkerTask | null,
  settings: ScanSettings,
  size: number,
  onResult: (index: number, result: FileScanResult) => void,
  script = workerScript(),
): Promise<void> {
  // With one worker per core, V8's parallel scavenger starts helper threads that compete with the other workers for
  // the cores: turning it off (before the workers' heaps are created; it is process-wide) cut the 2-worker bench by
  // ~10% in wall and CPU time. It changes how young garbage is collected, nothing else.
  setFlagsFromString('--no-parallel-scavenge');
  const live = new Set<Worker>();
  let exhausted = false;
  let outstanding = 0;

  return new Promise<void>((resolve) => {
    const finishWhenDone = (): void => {
      if (!exhausted || outstanding > 0) return;
      const workers = [...live];
      live.clear();
      for (const worker of workers) void worker.terminate();
      resolve();
    };
    const settle = (index: number, result: FileScanResult): void => {
      outstanding -= 1;
      onResult(index, result);
    };
    const start = (): void => {
      const worker = new Worker(script.source, { eval: script.eval, workerData: settings });
      const held = new Map<number, string>();
      live.add(worker);
      const feed = (): void => {
        const task = exhausted ? null : takeTask();
        if (task === null) {
          exhausted = true;
          return;
        }
        outstanding += 1;
        held.set(task.index, task.path);
        worker.postMessage(task);
      };
      const lost = (why: string): void => {
        if (!live.delete(worker)) return;
        void worker.terminate();
        const files = [...held];
        held.clear();
        if (!exhausted) start();
        for (const [index, file] of files) settle(index, failedScan(file, `${file}: the scan worker stopped (${why})`));
        finishWhenDone();
      };
      worker.on('message', (reply: WorkerReply) => {
        if (answerEvidenceRequest(worker, reply)) return;
        held.delete(reply.index);
        settle(reply.index, reply.result);
        feed();
        finishWhenDone();
      });
      worker.on('error', (error) => lost(error.message));
      worker.on('exit', (code) => lost(`exit code ${code}`));
      for (let queued = 0; queued < TASKS_IN_FLIGHT; queued += 1) feed();
    };
    for (let i = 0; i < size; i += 1) start();
    // Other takers may have emptied the queue before any worker got a task.
    finishWhenDone();
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
