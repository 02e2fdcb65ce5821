import { parentPort, workerData } from 'node:worker_threads';
import { scanFile, type ScanSettings } from './file-scan';
import type { WorkerReply, WorkerTask } from './pool';

/** A scan worker: scans the files the main thread sends, one at a time, and replies with each result. */
const settings = workerData as ScanSettings;
const port = parentPort;
if (port === null) throw new Error('scan-worker must run as a worker thread');

port.on('message', (task: WorkerTask) => {
  let reply: WorkerReply;
  try {
    reply = { index: task.index, result: scanFile(task.path, settings, task.maxDiagnoses) };
  } catch (error) {
    reply = { index: task.index, crash: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply);
});
