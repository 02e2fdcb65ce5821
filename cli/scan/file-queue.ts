/**
 * The local files of one scan, in shared memory, so that this thread and every scan worker take their next file
 * themselves: a worker never waits on another thread for work. (Handed out by this thread, files reached a worker only
 * when this thread was between two files of its own, and workers sat idle.) Plain data, sent once to each worker: the
 * paths, and a SharedArrayBuffer's view that all threads read and write atomically.
 */
export interface FileQueue {
  readonly paths: readonly string[];
  /** The next position to take, the diagnoses the report still wants, then who took each file (0: not yet). */
  readonly slots: Int32Array;
}

/** Who takes files: this thread, or a worker by the number the pool gave it (each worker its own, from 2). */
export const THIS_THREAD = 1;

const NEXT = 0;
const WANTED = 1;
const TAKERS = 2;

export function createFileQueue(paths: readonly string[], wantedDiagnoses: number): FileQueue {
  const slots = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (TAKERS + paths.length)));
  const queue = { paths, slots };
  setWantedDiagnoses(queue, wantedDiagnoses);
  return queue;
}

export interface TakenFile {
  /** The file's position in the queue. */
  readonly position: number;
  readonly path: string;
  /**
   * How many diagnoses to keep: what the report still wanted when the file was taken. Files finished out of order
   * are not counted yet, so this is at least as many as needed.
   */
  readonly maxDiagnoses: number;
}

/** The next file for `taker`, or null when every file has been taken. */
export function takeFile(queue: FileQueue, taker: number): TakenFile | null {
  const position = Atomics.add(queue.slots, NEXT, 1);
  if (position >= queue.paths.length) return null;
  Atomics.store(queue.slots, TAKERS + position, taker);
  return { position, path: queue.paths[position], maxDiagnoses: Atomics.load(queue.slots, WANTED) };
}

/** No file is taken after this: the takers finish the files they hold and stop. */
export function closeFileQueue(queue: FileQueue): void {
  Atomics.store(queue.slots, NEXT, queue.paths.length);
}

/** How many files have been taken so far. */
export function takenCount(queue: FileQueue): number {
  return Math.min(Atomics.load(queue.slots, NEXT), queue.paths.length);
}

/** Who took the file at `position`: 0 when its taker stopped between taking it and saying so (a worker that died). */
export function takerOf(queue: FileQueue, position: number): number {
  return Atomics.load(queue.slots, TAKERS + position);
}

export function setWantedDiagnoses(queue: FileQueue, wanted: number): void {
  Atomics.store(queue.slots, WANTED, Math.max(0, Math.min(wanted, 2 ** 31 - 1)));
}
