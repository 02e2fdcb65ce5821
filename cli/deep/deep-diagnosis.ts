import { isMainThread, parentPort, type Worker } from 'node:worker_threads';
import { diagnose, type CloudTrailRecord, type Diagnosis } from '../../core/diagnosis';
import { diagnoseWithEvidence } from '../../core/policy/diagnosis-evaluation';
import type { GatheredPolicies } from '../../core/policy/gathered-evidence';
import { loadGatheredEvidence } from '../lazy-modules';
import type { PolicyStore } from '../../core/policy/store';

/**
 * `--deep` in the scan's threads. Evidence is gathered in the main thread only, by one gatherer for the whole run: one
 * cache, so each AWS read is made once however many workers meet the same principal or table, and one bound on the
 * reads in flight. A scan worker sends the denial's record to the main thread and evaluates the evidence it gets back
 * itself, so the evaluation's CPU work stays spread over the workers.
 */

export type GatherEvidence = (record: CloudTrailRecord) => Promise<GatheredPolicies | null>;

let mainThreadGatherer: GatherEvidence | null = null;

/** Set by the command for the length of a deep run (null after it): explain, and the scan's main thread and workers. */
export function useEvidenceGatherer(gather: GatherEvidence | null): void {
  mainThreadGatherer = gather;
}

interface EvidenceRequest {
  readonly deepEvidenceRequest: number;
  readonly record: CloudTrailRecord;
}
interface EvidenceReply {
  readonly deepEvidenceReply: number;
  readonly gathered: GatheredPolicies | null;
}

export function isEvidenceReply(message: unknown): message is EvidenceReply {
  return typeof message === 'object' && message !== null && 'deepEvidenceReply' in message;
}

/** In the main thread, answers a worker's evidence request; false when the message is something else. */
export function answerEvidenceRequest(worker: Worker, message: unknown): boolean {
  if (typeof message !== 'object' || message === null || !('deepEvidenceRequest' in message)) return false;
  const request = message as EvidenceRequest;
  const gather = mainThreadGatherer;
  void (gather === null ? Promise.resolve(null) : gather(request.record)).then((gathered) => {
    const reply: EvidenceReply = { deepEvidenceReply: request.deepEvidenceRequest, gathered };
    worker.postMessage(reply);
  });
  return true;
}

const waiting = new Map<number, (gathered: GatheredPolicies | null) => void>();
let nextRequest = 0;
let listening = false;

/** From a scan worker: the main thread's gatherer, asked over the worker's port. */
function askMainThread(record: CloudTrailRecord): Promise<GatheredPolicies | null> {
  const port = parentPort;
  if (port === null) throw new Error('a deep scan worker must run as a worker thread');
  if (!listening) {
    listening = true;
    port.on('message', (message: unknown) => {
      if (!isEvidenceReply(message)) return;
      waiting.get(message.deepEvidenceReply)?.(message.gathered);
      waiting.delete(message.deepEvidenceReply);
    });
  }
  const id = nextRequest++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    const request: EvidenceRequest = { deepEvidenceRequest: id, record };
    port.postMessage(request);
  });
}

/**
 * The denial diagnosed with evidence from AWS: AWS's record when the message carries an authorization id, then the
 * given store (--policies) or the policies read now, then the message alone. Null when the record is not a denial.
 */
export async function diagnoseDeep(record: CloudTrailRecord, store: PolicyStore | null): Promise<Diagnosis | null> {
  // With a store, only AWS's record is read, so a denial without an authorization id needs nothing from AWS.
  if (store !== null && (diagnose(record)?.authorizationId ?? null) === null)
    return diagnoseWithEvidence(record, await evidenceOf(null, store));
  const gathered = await (isMainThread ? (mainThreadGatherer ?? noGatherer)(record) : askMainThread(record));
  return diagnoseWithEvidence(record, await evidenceOf(gathered, store));
}

const noGatherer: GatherEvidence = () => Promise.resolve(null);

async function evidenceOf(gathered: GatheredPolicies | null, store: PolicyStore | null) {
  const { evidenceOfGathered } = await loadGatheredEvidence();
  return evidenceOfGathered(gathered ?? { authorization: null, fetched: null, missingPolicies: [] }, store);
}
