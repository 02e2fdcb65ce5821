import { parentPort, workerData } from 'node:worker_threads';
import { isEvidenceReply } from '../deep/deep-diagnosis';
import type { ScanSettings } from './file-scan';
import { scanLocalFile } from './local-file';
import type { WorkerReply, WorkerTask } from './pool';

/** A scan worker: scans the files the main thread sends and replies with each result (a failure is a result too). */
const settings = workerData as ScanSettings;
const port = parentPort;
if (port === null) throw new Error('scan-worker must run as a worker thread');

port.on('message', (task: WorkerTask) => {
  // --deep: the main thread's answers to evidence requests come on the same port, for diagnoseDeep.
  if (isEvidenceReply(task)) return;
  void scanLocalFile(task.path, settings, task.maxDiagnoses).then((result) => {
    const reply: WorkerReply = { index: task.index, result };
    port.postMessage(reply);
  });
});
