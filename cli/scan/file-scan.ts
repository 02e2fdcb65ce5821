import { CloudTrailLogFileReader, InputError, isDenial, readRecords, type CloudTrailRecord, type Diagnosis } from '../../core/diagnosis';
import type { PolicyStore } from '../../core/policy/store';
import { diagnoseWithPolicies } from '../../core/policy/diagnosis-evaluation';
import { diagnoseDeep } from '../deep/deep-diagnosis';
import type { PolicySource } from '../policies-source';
import { loadPolicySource } from '../lazy-modules';
import { matchesFilter, type ScanFilter } from './filters';
import { gunzipSmall, gunzipStream, isGzip, isZlibError, tooLarge, TooLargeError } from './gzip';
import { countInto, emptyGroups, type FileScanResult } from './summary';

/** What every input of one scan is scanned with; plain data, sent once to each scan worker. */
export interface ScanSettings {
  readonly filter: ScanFilter;
  /**
   * Whether to tally remediation summaries per group (the human tables show them). Building a remediation is most
   * of a diagnosis's cost, so --json, which prints counts only, leaves them unbuilt.
   */
  readonly summaries: boolean;
  /** An input larger than this, as read or once decompressed, is named and skipped (--max-file-size). */
  readonly maxFileSize: number;
  /** --policies: the store every denial is evaluated against; none when absent or null. */
  readonly policies?: PolicySource | null;
  /** --deep: every denial is evaluated with evidence from AWS, gathered by the main thread (cli/deep/deep-diagnosis.ts). */
  readonly deep?: boolean;
  /**
   * A scan worker's, when the main thread evaluates the denials against the store (cli/scan/pool.ts): the worker
   * diagnoses nothing and returns each denial's record in its result (`denialRecords`), for the main thread to count.
   */
  readonly denialsToMainThread?: boolean;
}

/**
 * Scans an input read whole into memory (a local file). Never throws: whatever the input holds, a failure comes
 * back as the result's error, so the scan goes on with the next input.
 */
export async function scanBytes(source: string, raw: Buffer, settings: ScanSettings, maxDiagnoses: number): Promise<FileScanResult> {
  return guarded(
    source,
    () => raw.length,
    async () => {
      if (raw.length > settings.maxFileSize) throw tooLarge(settings.maxFileSize);
      const text = isGzip(raw) ? gunzipSmall(raw, settings.maxFileSize) : raw;
      if (text === null) return scanStream(source, [raw], settings, maxDiagnoses);
      const scan = new TextScan(source, settings, await policyStoreFor(settings), maxDiagnoses);
      scan.push(text);
      return await scan.finish(() => raw, raw.length);
    },
  );
}

/**
 * Scans an input as it arrives (an S3 object's body, stdin): gunzipped chunk by chunk when it is gzip, and read
 * record by record when it is a CloudTrail log file, so memory holds the compressed bytes and one chunk of text.
 * Never throws, like scanBytes.
 */
export async function scanStream(
  source: string,
  raw: AsyncIterable<Uint8Array | string> | Iterable<Buffer>,
  settings: ScanSettings,
  maxDiagnoses: number,
): Promise<FileScanResult> {
  const limit = settings.maxFileSize;
  // The bytes as read are kept: readRecords needs them whole when the input is not a log file as CloudTrail writes it.
  const kept: Buffer[] = [];
  let bytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const piece of raw) {
      const chunk =
        typeof piece === 'string'
          ? Buffer.from(piece)
          : Buffer.isBuffer(piece)
            ? piece
            : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      bytes += chunk.length;
      if (bytes > limit) throw tooLarge(limit);
      kept.push(chunk);
      yield chunk;
    }
  }
  return guarded(
    source,
    () => bytes,
    async () => {
      const { first, chunks } = await peek(counted(), 2);
      const scan = new TextScan(source, settings, await policyStoreFor(settings), maxDiagnoses);
      const original = (): Buffer => Buffer.concat(kept);
      if (!isGzip(first)) {
        for await (const chunk of chunks) scan.push(chunk);
        return await scan.finish(original, bytes);
      }
      try {
        await gunzipStream(chunks, limit, (text) => scan.push(text));
      } catch (error) {
        if (!isZlibError(error)) throw error;
        // Corrupt or truncated: readRecords names it as explain does, failing at the same byte (within the limit).
        return await scan.finishWhole(original, bytes);
      }
      return await scan.finish(original, bytes);
    },
  );
}

/**
 * The --policies store (parsed once per thread), or null. Its reader and the evaluator are loaded only when there is
 * one, and without the store's validator (zod): the main thread has validated the store.
 */
export async function policyStoreFor(settings: ScanSettings): Promise<PolicyStore | null> {
  if (settings.policies === undefined || settings.policies === null) return null;
  return (await loadPolicySource()).policyStoreOf(settings.policies);
}

/**
 * One input's text, decompressed, fed as it arrives. CloudTrail log files go record by record through the fast
 * reader (which parses only the records that may be denials); anything else is read whole by readRecords at the end.
 */
class TextScan {
  private tally: InputTally;
  private readonly reader: CloudTrailLogFileReader;
  private reading = true;

  constructor(
    private readonly source: string,
    private readonly settings: ScanSettings,
    private readonly store: PolicyStore | null,
    private readonly maxDiagnoses: number,
  ) {
    this.tally = new InputTally(source, settings, store, maxDiagnoses);
    this.reader = new CloudTrailLogFileReader((record) => this.tally.add(record));
  }

  push(text: Buffer): void {
    if (this.reading) this.reading = this.reader.push(text);
  }

  /** The input's result; `original` gives its `bytes` as read, for readRecords when it is not a log file. */
  finish(original: () => Buffer, bytes: number): Promise<FileScanResult> {
    if (this.reading && this.reader.finish()) return this.tally.result(this.reader.records, bytes);
    return this.finishWhole(original, bytes);
  }

  /** Reads the whole input with readRecords, dropping what the fast reader handed over. */
  finishWhole(original: () => Buffer, bytes: number): Promise<FileScanResult> {
    this.reading = false;
    this.tally = new InputTally(this.source, this.settings, this.store, this.maxDiagnoses);
    const records = readRecords(original(), this.source);
    for (const record of records) this.tally.add(record);
    return this.tally.result(records.length, bytes);
  }
}

/**
 * Diagnoses, filters and counts one input's records, keeping at most `maxDiagnoses` diagnoses (in record order).
 * Every denial of a scan passes through `add`: the place for a per-denial step (policy evaluation, deep checks).
 */
class InputTally {
  private readonly groups = emptyGroups();
  private readonly diagnoses: Diagnosis[] = [];
  /** --deep: the denials waiting for their evidence, in record order. */
  private readonly deepDiagnoses: Promise<Diagnosis | null>[] = [];
  /** denialsToMainThread: every denial's record, in record order. */
  private readonly denialRecords: CloudTrailRecord[] = [];
  private denials = 0;

  constructor(
    private readonly source: string,
    private readonly settings: ScanSettings,
    private readonly store: PolicyStore | null,
    private readonly maxDiagnoses: number,
  ) {}

  add(record: CloudTrailRecord): void {
    // isDenial first: most records handed over are look-alikes or successes, and diagnose() does more work.
    if (!isDenial(record)) return;
    if (this.settings.denialsToMainThread === true) {
      this.denialRecords.push(record);
      return;
    }
    if (this.settings.deep === true) {
      // Filtered first (the filters do not depend on the evaluation), so a denial left out costs no AWS read.
      const plain = diagnoseWithPolicies(record, null);
      if (plain !== null && matchesFilter(plain, this.settings.filter)) this.deepDiagnoses.push(diagnoseDeep(record, this.store));
      return;
    }
    this.count(diagnoseWithPolicies(record, this.store));
  }

  private count(diagnosis: Diagnosis | null): void {
    if (diagnosis === null || !matchesFilter(diagnosis, this.settings.filter)) return;
    this.denials += 1;
    countInto(this.groups, diagnosis, this.settings.summaries);
    if (this.diagnoses.length < this.maxDiagnoses) this.diagnoses.push(diagnosis);
  }

  async result(records: number, bytes: number): Promise<FileScanResult> {
    for (const diagnosis of await Promise.all(this.deepDiagnoses)) this.count(diagnosis);
    return this.counted(records, bytes);
  }

  counted(records: number, bytes: number): FileScanResult {
    const counted = {
      source: this.source,
      bytes,
      records,
      denials: this.denials,
      groups: this.groups,
      diagnoses: this.diagnoses,
      error: null,
    };
    return this.denialRecords.length === 0 ? counted : { ...counted, denialRecords: this.denialRecords };
  }
}

/**
 * In the main thread, a scan worker's result whose denials it left to this thread (denialsToMainThread): each
 * diagnosed, evaluated against the store and counted as the worker would have, keeping at most `maxDiagnoses`.
 */
export function countDenialRecords(
  result: FileScanResult,
  settings: ScanSettings,
  store: PolicyStore | null,
  maxDiagnoses: number,
): FileScanResult {
  if (result.denialRecords === undefined) return result;
  const tally = new InputTally(result.source, settings, store, maxDiagnoses);
  for (const record of result.denialRecords) tally.add(record);
  return tally.counted(result.records, result.bytes);
}

export function failedScan(source: string, message: string, bytes = 0): FileScanResult {
  return { source, bytes, records: 0, denials: 0, groups: emptyGroups(), diagnoses: [], error: message };
}

/** Runs one input's scan, turning anything it throws into that input's error. */
async function guarded(source: string, bytes: () => number, scan: () => Promise<FileScanResult>): Promise<FileScanResult> {
  try {
    return await scan();
  } catch (error) {
    return failedScan(source, describeFailure(source, error), bytes());
  }
}

/** One line naming the input and what was wrong. */
export function describeFailure(source: string, error: unknown): string {
  if (error instanceof InputError) return error.message;
  if (error instanceof TooLargeError) return `${source}: ${error.message}`;
  if ((error as NodeJS.ErrnoException)?.code === 'ERR_STRING_TOO_LONG') {
    return `${source}: too large to read as one JSON document (only log files as CloudTrail writes them are read record by record)`;
  }
  return `${source}: cannot be read (${error instanceof Error ? error.message : String(error)})`;
}

/** The first bytes of a stream (at least `length` unless it is shorter), and the whole stream again. */
async function peek(chunks: AsyncIterable<Buffer>, length: number): Promise<{ first: Buffer; chunks: AsyncIterable<Buffer> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < length && !ended) {
    const next = await iterator.next();
    if (next.done === true) ended = true;
    else {
      head.push(next.value);
      headLength += next.value.length;
    }
  }
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* head;
      for (let next = ended ? null : await iterator.next(); next !== null && next.done !== true; next = await iterator.next())
        yield next.value;
    } finally {
      // Stopped early (too large, corrupt): release the source, e.g. close an S3 connection.
      await iterator.return?.();
    }
  }
  return { first: Buffer.concat(head), chunks: all() };
}
