import { DenialPrefilter } from './denial-prefilter';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './input';
import type { CloudTrailRecord } from './record';

/**
 * A fast reader for CloudTrail log files exactly as CloudTrail writes them to S3
 * (`{"Records":[{"eventVersion":...},{"eventVersion":...}]}`), for bulk scans. Pure: the caller reads (and
 * gunzips) the bytes and feeds them in chunks of any size, so a file never has to be in memory at once.
 *
 * Why: most records of a trail are not denials, and parsing them is most of a scan's work. This reader cuts the text
 * at each `},{"eventVersion":`, counts every record, and parses only those the DenialPrefilter lets through (and the
 * first record of each file, see below). It never builds one string of the whole file either.
 *
 * What it guarantees: every denial of the file reaches `onRecord`, parsed, in file order, with the records before
 * it; `records` counts every record. Each record handed over parsed on its own as a JSON object that readRecords
 * takes as a CloudTrail record as it is, and the bytes are exactly `{"Records":[` record `,` record ... `]}` (then
 * JSON whitespace). The first record is always parsed, so a file of another service's event notifications in the
 * same frame (S3's start with eventVersion too) is declined. A record that cannot be a denial is counted without
 * being parsed: scan relies on gzip's checksum, the frame and the record boundaries for those, not on their JSON.
 *
 * Otherwise the reader declines, and the caller reads the whole input with readRecords (and its error messages):
 * another shape, a byte-order mark, trailing garbage, a truncated file, a record that does not parse (a cut inside
 * a string or a nested object leaves one), an element readRecords treats otherwise (an SQS message, an "aws:..."
 * event), or a single record larger than any CloudTrail writes. Records already handed over are then to be
 * discarded. Records are cut at ASCII bytes, so decoding each one by itself gives the same text as decoding the
 * whole file, and chunks may split a UTF-8 character anywhere.
 */
export class CloudTrailLogFileReader {
  /** Records read so far (meaningless once declined). */
  records = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private started = false;
  private declined = false;

  constructor(private readonly onRecord: (record: CloudTrailRecord) => void) {}

  /** Feeds the next bytes of the text. False once the reader has declined the input: feeding more is pointless. */
  push(chunk: Buffer): boolean {
    if (this.declined || chunk.length === 0) return !this.declined;
    if (this.started && !this.completesARecord(chunk)) {
      this.keep(chunk);
      return !this.declined;
    }
    let text = this.takePending(chunk);
    if (!this.started) {
      if (text.length < FILE_START.length) {
        if (FILE_START.compare(text, 0, text.length, 0, text.length) !== 0) return this.decline();
        this.keep(text);
        return true;
      }
      if (FILE_START.compare(text, 0, FILE_START.length, 0, FILE_START.length) !== 0) return this.decline();
      this.started = true;
      text = text.subarray(FILE_START.length - RECORD_START.length);
    }
    const prefilter = new DenialPrefilter(text);
    // The records are counted in one pass over their separators; only one that holds a marker of a possible denial
    // (the next one is looked up once, however many records lie before it) is asked about in full.
    let marker = prefilter.nextMarker(0);
    let start = 0;
    // Each record runs from its "{" to its "}"; the next starts after the separating ",".
    for (let separator = text.indexOf(RECORD_SEPARATOR); separator !== -1; separator = text.indexOf(RECORD_SEPARATOR, start)) {
      if (marker < separator || this.records === 0) {
        if (!this.record(text, start, separator + 1, prefilter)) return this.decline();
        marker = prefilter.nextMarker(separator + 2);
      } else {
        this.records += 1;
      }
      start = separator + 2;
    }
    this.keep(text.subarray(start));
    return !this.declined;
  }

  /** Ends the input: true when it was read, false when it was declined. */
  finish(): boolean {
    if (this.declined || !this.started) return this.decline();
    const text = this.takePending(EMPTY);
    let end = text.length;
    while (end > 0 && JSON_WHITESPACE.has(text[end - 1])) end -= 1;
    end -= FILE_END.length;
    if (end <= 0 || FILE_END.compare(text, end, end + FILE_END.length) !== 0) return this.decline();
    return this.record(text, 0, end, new DenialPrefilter(text)) || this.decline();
  }

  private record(text: Buffer, start: number, end: number, prefilter: DenialPrefilter): boolean {
    this.records += 1;
    if (this.records > 1 && !prefilter.mayBeDenial(start, end)) return true;
    const recordText = text.toString('utf8', start, end);
    let element: unknown;
    try {
      element = JSON.parse(recordText);
    } catch {
      return false;
    }
    // Past the depth readRecords accepts (the file's object and its Records array are two levels), readRecords names the file.
    if (!isPlainCloudTrailRecord(element) || nestsTooDeep(text.subarray(start, end), recordText)) return false;
    this.onRecord(element);
    return true;
  }

  /**
   * Whether the chunk ends the pending record: it holds a record separator, or one starts in the pending bytes and
   * ends in the chunk. Until then chunks are only kept, so a long record is copied once, not once per chunk.
   */
  private completesARecord(chunk: Buffer): boolean {
    if (chunk.indexOf(RECORD_SEPARATOR) !== -1) return true;
    const overlap = RECORD_SEPARATOR.length - 1;
    return Buffer.concat([this.pendingTail(overlap), chunk.subarray(0, overlap)]).indexOf(RECORD_SEPARATOR) !== -1;
  }

  /** The last `length` pending bytes (fewer when fewer are pending). */
  private pendingTail(length: number): Buffer {
    const parts: Buffer[] = [];
    let have = 0;
    for (let index = this.pending.length - 1; index >= 0 && have < length; index -= 1) {
      const part = this.pending[index];
      parts.unshift(part.subarray(Math.max(0, part.length - (length - have))));
      have += parts[0].length;
    }
    return Buffer.concat(parts);
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > LARGEST_RECORD_BYTES) this.decline();
  }

  /** The pending bytes followed by `chunk`, as one buffer; nothing stays pending. */
  private takePending(chunk: Buffer): Buffer {
    const text = this.pending.length === 0 ? chunk : Buffer.concat([...this.pending, chunk]);
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }

  private decline(): false {
    this.declined = true;
    this.pending = [];
    this.pendingBytes = 0;
    return false;
  }
}

const RECORD_START = '{"eventVersion":';
const FILE_START = Buffer.from(`{"Records":[${RECORD_START}`);
const FILE_END = Buffer.from(']}');
const RECORD_SEPARATOR = Buffer.from(`},${RECORD_START}`);
const EMPTY = Buffer.alloc(0);
/** The whitespace JSON.parse accepts after a document. */
const JSON_WHITESPACE: ReadonlySet<number> = new Set([0x20, 0x09, 0x0a, 0x0d]);
/**
 * A record still incomplete after this many bytes is not one CloudTrail wrote: the reader declines rather than hold
 * it, so memory stays bounded while the caller measures the input.
 */
const LARGEST_RECORD_BYTES = 64 * 1024 * 1024;

/**
 * Whether a record nests deeper than readRecords accepts. Each level opens with a `{` or `[`, so a record with no
 * more of those than the levels allowed (every record CloudTrail writes) is not walked character by character.
 */
function nestsTooDeep(record: Buffer, recordText: string): boolean {
  const levels = MAX_JSON_DEPTH - 2;
  let openings = 0;
  for (const bracket of OPENING_BRACKETS) {
    for (let at = record.indexOf(bracket); at !== -1; at = record.indexOf(bracket, at + 1)) {
      openings += 1;
      if (openings > levels) return nestsDeeperThan(recordText, levels);
    }
  }
  return false;
}
const OPENING_BRACKETS = [0x7b, 0x5b] as const;

/**
 * An element readRecords takes as a CloudTrail record without looking further: it has a string eventVersion, it
 * is no SQS message (no messageId) and no other service's event notification (eventSource "aws:..."). Stricter than
 * readRecords on purpose: anything else goes back to it. It must also carry what every record CloudTrail writes
 * carries at its top level (the identity, the time, the call, the id): the records between two parsed ones are cut
 * at `},{"eventVersion":` without being parsed, and only an object nested in an array can make such a cut inside a
 * record; an object so nested that could pass for a whole record (crafted in request parameters) is not taken as one.
 */
function isPlainCloudTrailRecord(element: unknown): element is CloudTrailRecord {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) return false;
  const record = element as Record<string, unknown>;
  if (typeof record.eventVersion !== 'string' || 'messageId' in record) return false;
  if (typeof record.eventSource === 'string' && record.eventSource.startsWith('aws:')) return false;
  return (
    RECORD_STRING_FIELDS.every((field) => typeof record[field] === 'string') &&
    typeof record.userIdentity === 'object' &&
    record.userIdentity !== null &&
    !Array.isArray(record.userIdentity)
  );
}
const RECORD_STRING_FIELDS = ['eventTime', 'eventSource', 'eventName', 'awsRegion', 'eventID'] as const;
