import { parentPort, workerData } from 'node:worker_threads';
import { takeFile } from './file-queue';
import { scanLocalFile } from './local-file';
import type { WorkerReply, WorkerStart } from './pool';

/**
 * A scan worker: takes files from the shared queue itself, one at a time, and sends each result (a failure is a
 * result too), then `done` once the queue is empty.
 */
const { settings, queue, taker } = workerData as WorkerStart;
const port = parentPort;
if (port === null) throw new Error('scan-worker must run as a worker thread');

async function scanFiles(to: NonNullable<typeof port>): Promise<void> {
  for (let file = takeFile(queue, taker); file !== null; file = takeFile(queue, taker)) {
    const reply: WorkerReply = { position: file.position, result: await scanLocalFile(file.path, settings, file.maxDiagnoses) };
    to.postMessage(reply);
  }
  const done: WorkerReply = { done: true };
  to.postMessage(done);
}

void scanFiles(port);
