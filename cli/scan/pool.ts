import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { answerEvidenceRequest } from '../deep/deep-diagnosis';
import type { PolicyStore } from '../../core/policy/store-model';
import { STDIN_SOURCE } from '../input';
import { countDenialRecords, failedScan, policyStoreFor, scanStream, type ScanSettings } from './file-scan';
import type { ScanInput } from './files';
import {
  closeFileQueue,
  createFileQueue,
  setWantedDiagnoses,
  takeFile,
  takenCount,
  takerOf,
  THIS_THREAD,
  type FileQueue,
} from './file-queue';
import { scanLocalFile } from './local-file';
import type { FileScanResult } from './summary';

/** What a scan worker starts with: the scan's settings, the shared queue of files, and its number as a taker. */
export interface WorkerStart {
  readonly settings: ScanSettings;
  readonly queue: FileQueue;
  readonly taker: number;
}
/** A worker's messages: each file's result, then `done` once the queue is empty. */
export type WorkerReply = { readonly position: number; readonly result: FileScanResult } | { readonly done: true };

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
 * Whether the scan may go on, asked in this thread before it scans anything, while the workers start: the main thread
 * checks the --policies store meanwhile (the workers read it unchecked). False stops the scan.
 */
export type ScanGate = () => Promise<boolean>;

const OPEN: ScanGate = () => Promise.resolve(true);

/**
 * Scans every local input and hands the results to the sink in input order, whatever order threads finish in.
 * With jobs > 1, this thread and jobs - 1 worker threads take files one at a time from one shared queue; each reads,
 * gunzips, parses and diagnoses its files; workers send back counts and only the diagnoses still wanted (with
 * --policies, the records of their denials instead, which this thread evaluates and counts). This thread
 * scans too, rather than wait on the workers: a worker costs a start-up of its own, and this thread has its code
 * compiled and warm by the time a worker has loaded. Stdin is always read in this thread. False when the gate stopped
 * the scan: the sink then got nothing.
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
  const files: Array<{ index: number; path: string }> = [];
  for (const [index, input] of inputs.entries()) if (input.kind === 'file') files.push({ index, path: input.path });
  const queue = createFileQueue(
    files.map((file) => file.path),
    sink.wantedDiagnoses(),
  );
  const workers = Math.min(jobs, files.length) - 1;
  // With a store, the workers leave the denials to this thread, which evaluates them all: one evaluator, warm, and one
  // cache of evaluations for the run, instead of each thread judging the same requests afresh with code of its own
  // that has not warmed up. Evaluating costs this thread time it does not scan, so the shared queue gives the workers
  // more files. Only for one worker: more workers could outrun one evaluator, and their denials would queue up in
  // memory, so each then evaluates its own. --deep evaluates in the workers (its evidence comes from this thread already).
  const denialsHere = workers === 1 && settings.policies !== undefined && settings.policies !== null && settings.deep !== true;
  const workerSettings: ScanSettings = denialsHere ? { ...settings, policies: null, denialsToMainThread: true } : settings;
  // Results wait for the gate: a scan it stops reports nothing (and the store is not read before it says it is valid).
  let opened = false;
  let store: PolicyStore | null = null;
  const early: Array<{ position: number; result: FileScanResult }> = [];
  const deliver = (position: number, result: FileScanResult): void => {
    if (!opened) {
      early.push({ position, result });
      return;
    }
    ordered.deliver(files[position].index, countDenialRecords(result, settings, store, sink.wantedDiagnoses()));
    setWantedDiagnoses(queue, sink.wantedDiagnoses());
  };
  // The workers start now, while this thread asks the gate.
  const pool = workers >= 1 ? runPool(queue, workerSettings, workers, deliver) : Promise.resolve();
  const stopWorkers = async (): Promise<void> => {
    closeFileQueue(queue);
    await pool;
  };
  let open: boolean;
  try {
    open = await gate();
  } catch (error) {
    await stopWorkers();
    throw error;
  }
  if (!open) {
    await stopWorkers();
    return false;
  }
  if (denialsHere) store = await policyStoreFor(settings);
  opened = true;
  for (const { position, result } of early.splice(0)) deliver(position, result);
  for (const [index, input] of inputs.entries()) {
    // stdin is read up front so its turn in the output order never waits on a worker.
    if (input.kind !== 'file') ordered.deliver(index, await scanStream(STDIN_SOURCE, stdin, settings, sink.wantedDiagnoses()));
  }
  await Promise.all([pool, scanInThisThread(queue, settings, deliver, workers >= 1)]);
  return true;
}

/** Scans files from the queue in this thread; with workers, it lets their messages in between two files. */
async function scanInThisThread(
  queue: FileQueue,
  settings: ScanSettings,
  deliver: (position: number, result: FileScanResult) => void,
  withWorkers: boolean,
): Promise<void> {
  for (let file = takeFile(queue, THIS_THREAD); file !== null; file = takeFile(queue, THIS_THREAD)) {
    deliver(file.position, await scanLocalFile(file.path, settings, file.maxDiagnoses));
    // A file's scan is synchronous work: the workers' results (and, with --deep, their evidence requests) wait for it.
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
 * Scans files from the shared queue on `size` worker threads, and resolves once every worker is done or dead and
 * every file a worker took has its result. A worker that dies (it should not: each file's failure is caught in it)
 * costs only the file it was scanning, reported as skipped, and is replaced while files are left, so the scan goes
 * on; one that dies before taking a file is not (it cannot start), so another taker of the queue (scanInputs' own
 * thread) must scan what the workers leave.
 */
export function runPool(
  queue: FileQueue,
  settings: ScanSettings,
  size: number,
  onResult: (position: number, result: FileScanResult) => void,
  script = workerScript(),
): Promise<void> {
  // With one worker per core, V8's parallel scavenger starts helper threads that compete with the other workers for
  // the cores: turning it off (before the workers' heaps are created; it is process-wide) cut the 2-worker bench by
  // ~10% in wall and CPU time. It changes how young garbage is collected, nothing else.
  setFlagsFromString('--no-parallel-scavenge');
  const live = new Set<Worker>();
  const reported = new Set<number>();
  const stopped = new Map<number, string>();
  let nextTaker = THIS_THREAD + 1;

  return new Promise<void>((resolve) => {
    const finishWhenDone = (): void => {
      if (live.size > 0) return;
      // Every worker is done or dead: what a dead one took and did not report is named (taken by none when it died
      // between taking a file and saying so).
      const anyReason = stopped.values().next().value;
      for (let position = 0; position < takenCount(queue); position += 1) {
        const taker = takerOf(queue, position);
        if (taker === THIS_THREAD || reported.has(position)) continue;
        const file = queue.paths[position];
        onResult(position, failedScan(file, `${file}: the scan worker stopped (${stopped.get(taker) ?? anyReason})`));
      }
      resolve();
    };
    const tookAFile = (taker: number): boolean => {
      for (let position = 0; position < takenCount(queue); position += 1) if (takerOf(queue, position) === taker) return true;
      return false;
    };
    const start = (): void => {
      const taker = nextTaker++;
      const workerStart: WorkerStart = { settings, queue, taker };
      const worker = new Worker(script.source, { eval: script.eval, workerData: workerStart });
      live.add(worker);
      const end = (why: string | null): void => {
        if (!live.delete(worker)) return;
        void worker.terminate();
        if (why !== null) {
          stopped.set(taker, why);
          // One that stopped before taking a file would stop again (it cannot start): the other takers scan the rest.
          if (tookAFile(taker) && takenCount(queue) < queue.paths.length) start();
        }
        finishWhenDone();
      };
      worker.on('message', (reply: WorkerReply) => {
        if (answerEvidenceRequest(worker, reply)) return;
        if ('done' in reply) {
          end(null);
          return;
        }
        reported.add(reply.position);
        onResult(reply.position, reply.result);
      });
      worker.on('error', (error) => end(error.message));
      worker.on('exit', (code) => end(`exit code ${code}`));
    };
    for (let i = 0; i < size; i += 1) start();
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
