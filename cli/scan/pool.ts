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

/** One worker per core (as make -j or ripgrep do) for inputs big enough to pay for starting them, else 1. */
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
 * Whether the scan may go on, asked once before this thread scans anything, or while the workers start: the main
 * thread checks the --policies store meanwhile (the workers read it unchecked). False stops the scan.
 */
export type ScanGate = () => Promise<boolean>;

const OPEN: ScanGate = () => Promise.resolve(true);

/**
 * Scans every local input and hands the results to the sink in input order, whatever order workers finish in.
 * With jobs > 1, files go a few at a time to a pool of worker threads that read, gunzip, parse and diagnose them
 * and send back counts and only the diagnoses still wanted; stdin is always read in this thread. False when the
 * gate stopped the scan.
 */
export async function scanInputs(
  inputs: readonly ScanInput[],
  settings: ScanSettings,
  jobs: number,
  stdin: NodeJS.ReadableStream,
  sink: ScanSink,
  gate: ScanGate = OPEN,
): Promise<boolean> {
  const ordered = new InOrder<FileScanResult>((result) => sink.onResult(result));
  const fileTasks: Array<{ index: number; path: string }> = [];
  for (const [index, input] of inputs.entries()) if (input.kind === 'file') fileTasks.push({ index, path: input.path });
  const workers = Math.min(jobs, fileTasks.length);
  const inThreadFirst = workers <= 1 || fileTasks.length < inputs.length;
  if (inThreadFirst && !(await gate())) return false;
  for (const [index, input] of inputs.entries()) {
    // stdin is read up front so its turn in the output order never waits on a worker.
    if (input.kind !== 'file') ordered.deliver(index, await scanStream(STDIN_SOURCE, stdin, settings, sink.wantedDiagnoses()));
  }
  if (workers <= 1) {
    for (const task of fileTasks) ordered.deliver(task.index, await scanLocalFile(task.path, settings, sink.wantedDiagnoses()));
    return true;
  }
  // Files finished out of order are not counted yet, so this asks for at least as many diagnoses as needed.
  const tasks = fileTasks.map((task) => () => ({ ...task, maxDiagnoses: sink.wantedDiagnoses() }));
  return runPool(tasks, settings, workers, (index, result) => ordered.deliver(index, result), workerScript(), inThreadFirst ? OPEN : gate);
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
 * Runs the tasks on `size` worker threads. A worker that dies (it should not: each file's failure is caught in it)
 * costs only the files it held, each reported as skipped, and is replaced, so the scan goes on. The gate is asked
 * once the workers are starting: false stops them, and the pool then resolves false.
 */
export function runPool(
  tasks: ReadonlyArray<() => WorkerTask>,
  settings: ScanSettings,
  size: number,
  onResult: (index: number, result: FileScanResult) => void,
  script = workerScript(),
  gate: ScanGate = OPEN,
): Promise<boolean> {
  // With one worker per core, V8's parallel scavenger starts helper threads that compete with the other workers for
  // the cores: turning it off (before the workers' heaps are created; it is process-wide) cut the 2-worker bench by
  // ~10% in wall and CPU time. It changes how young garbage is collected, nothing else.
  setFlagsFromString('--no-parallel-scavenge');
  const live = new Set<Worker>();
  let nextTask = 0;
  let pending = tasks.length;

  return new Promise<boolean>((resolve, reject) => {
    let stopped = false;
    // Results count only once the gate has opened, however early the last file is done.
    let done = false;
    let open = false;
    const stop = (): void => {
      stopped = true;
      const workers = [...live];
      live.clear();
      for (const worker of workers) void worker.terminate();
    };
    const settle = (index: number, result: FileScanResult): void => {
      if (stopped) return;
      onResult(index, result);
      pending -= 1;
      if (pending === 0) {
        stop();
        done = true;
        if (open) resolve(true);
      }
    };
    const start = (): void => {
      const worker = new Worker(script.source, { eval: script.eval, workerData: settings });
      const held = new Map<number, string>();
      live.add(worker);
      const feed = (): void => {
        if (stopped || nextTask >= tasks.length) return;
        const task = tasks[nextTask++]();
        held.set(task.index, task.path);
        worker.postMessage(task);
      };
      const lost = (why: string): void => {
        if (!live.delete(worker)) return;
        void worker.terminate();
        const files = [...held];
        held.clear();
        if (nextTask < tasks.length) start();
        for (const [index, file] of files) settle(index, failedScan(file, `${file}: the scan worker stopped (${why})`));
      };
      worker.on('message', (reply: WorkerReply) => {
        if (answerEvidenceRequest(worker, reply)) return;
        held.delete(reply.index);
        settle(reply.index, reply.result);
        feed();
      });
      worker.on('error', (error) => lost(error.message));
      worker.on('exit', (code) => lost(`exit code ${code}`));
      for (let queued = 0; queued < TASKS_IN_FLIGHT; queued += 1) feed();
    };
    for (let i = 0; i < size; i += 1) start();
    gate().then(
      (opened) => {
        open = opened;
        if (!opened) stop();
        if (!opened || done) resolve(opened);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
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
