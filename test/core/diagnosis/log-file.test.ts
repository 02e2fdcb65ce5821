import { CloudTrailLogFileReader, InputError, isDenial, MAX_JSON_DEPTH, readRecords, type CloudTrailRecord } from '../../../core/diagnosis';
import { corpusManifest, describeWithCorpus, readCorpusFile } from '../../support/corpus';
import { dynamodbRecord, EXPLICIT_SCP, IMPLICIT_IDENTITY } from '../../cli/fixtures';
import { COMPACT, randomLogFile } from '../../cli/scan/log-file-generator';

const denial = dynamodbRecord({ eventId: 'd1', reason: EXPLICIT_SCP });
const success = dynamodbRecord({ eventId: 's1' });
const otherDenial = dynamodbRecord({ eventId: 'd2', action: 'GetItem', reason: IMPLICIT_IDENTITY('GetItem') });
const logFile = (records: readonly unknown[]): string => JSON.stringify({ Records: records });

interface FastRead {
  readonly records: number;
  readonly handedOver: CloudTrailRecord[];
}

/** Feeds the text in chunks of `chunkSize` bytes (whole when absent); null when the reader declines. */
function fastRead(text: string | Buffer, chunkSize?: number): FastRead | null {
  const bytes = Buffer.from(text);
  const handedOver: CloudTrailRecord[] = [];
  const reader = new CloudTrailLogFileReader((record) => handedOver.push(record));
  const size = chunkSize ?? Math.max(bytes.length, 1);
  for (let start = 0; start < bytes.length; start += size) reader.push(bytes.subarray(start, start + size));
  return reader.finish() ? { records: reader.records, handedOver } : null;
}

/** What readRecords does with the text: its records, or the InputError message it throws. */
function fullRead(text: string | Buffer): { records: CloudTrailRecord[] } | { error: string } {
  try {
    return { records: readRecords(Buffer.from(text), 'file') };
  } catch (error) {
    if (error instanceof InputError) return { error: error.message };
    throw error;
  }
}

/**
 * The reader's contract, in chunks of every size: it declines, or it counts exactly the records readRecords reads
 * and hands over, in order, every one of them that is a denial.
 */
function expectAgreesWithReadRecords(text: string | Buffer): FastRead | null {
  const whole = fastRead(text);
  // Byte by byte only for small texts: every split is tried there, and large ones would take long.
  const chunkSizes = Buffer.byteLength(text) < 20_000 ? [1, 3, 17, 18, 19, 1000] : [17, 18, 19, 1000, 65_536];
  for (const chunkSize of chunkSizes) expect(fastRead(text, chunkSize)).toEqual(whole);
  if (whole !== null) {
    const full = fullRead(text);
    expect('records' in full).toBe(true);
    const records = (full as { records: CloudTrailRecord[] }).records;
    expect(whole.records).toBe(records.length);
    expect(whole.handedOver.filter(isDenial)).toEqual(records.filter(isDenial));
  }
  return whole;
}

describe('CloudTrailLogFileReader', () => {
  it('reads a log file as CloudTrail writes it, trailing whitespace included, in chunks of any size', () => {
    for (const text of [logFile([success, denial, success, otherDenial]), `${logFile([success, denial, success, otherDenial])} \r\n\t`]) {
      const read = expectAgreesWithReadRecords(text);
      expect(read?.records).toBe(4);
    }
  });

  it('parses only the first record and those that may be denials', () => {
    const read = fastRead(logFile([success, denial, success, success, otherDenial, success]));
    expect(read?.records).toBe(6);
    expect(read?.handedOver.map((record) => record.eventID)).toEqual(['s1', 'd1', 'd2']);
  });

  it('reads a file of one record', () => {
    expect(expectAgreesWithReadRecords(logFile([denial]))?.records).toBe(1);
  });

  it('decodes UTF-8 like readRecords, wherever a chunk splits a character', () => {
    const read = expectAgreesWithReadRecords(logFile([success, { ...denial, userAgent: 'Zürich → 東京 😀' }]));
    expect(read?.handedOver[1].userAgent).toBe('Zürich → 東京 😀');
  });

  it('reads records whose strings hold "errorCode" or the record separator (quotes in strings are escaped)', () => {
    const tricky = { ...success, userAgent: 'sdk "errorCode":"AccessDenied" },{"eventVersion":"1.09"} end' };
    expect(expectAgreesWithReadRecords(logFile([tricky, tricky, denial]))?.records).toBe(3);
  });

  it('declines records whose first key is not eventVersion', () => {
    const { eventVersion, ...rest } = success;
    expect(fastRead(logFile([{ eventSource: 'dynamodb.amazonaws.com', ...rest, eventVersion }, denial]))).toBeNull();
    expect(fastRead(logFile([denial, { eventSource: 'dynamodb.amazonaws.com', ...rest, eventVersion }, denial]))).toBeNull();
  });

  it('declines when a parsed record was cut inside a nested object that starts with eventVersion', () => {
    const nested = { ...denial, resources: [{ type: 'x' }, { eventVersion: '1.0', ARN: 'arn' }] };
    expect(fastRead(logFile([success, nested, success]))).toBeNull();
    expect(fullRead(logFile([success, nested, success]))).toEqual({ records: [success, nested, success] });
  });

  it('does not take a nested object that could pass for a denial record as one: only a whole record carries identity, time and id', () => {
    // Request parameters can hold attacker-chosen arrays of objects; each cut piece here parses on its own.
    const forged = {
      eventVersion: '1.09',
      errorCode: 'AccessDenied',
      errorMessage: 'User: arn:aws:iam::999999999999:user/ceo is not authorized to perform: dynamodb:GetItem',
    };
    const carrier = { ...success, requestParameters: { keys: [{ pk: 'a' }, forged, { eventVersion: '1.09' }] } };
    expect(fastRead(logFile([success, carrier, success]))).toBeNull();
    expect(fullRead(logFile([success, carrier, success]))).toEqual({ records: [success, carrier, success] });
  });

  it("declines elements readRecords treats differently: SQS messages, other services' notifications, no string eventVersion", () => {
    expect(fastRead(logFile([{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' }]))).toBeNull();
    expect(fastRead(logFile([success, { ...denial, messageId: 'm', body: JSON.stringify(denial) }]))).toBeNull();
    expect(
      fastRead(`{"Records":[${JSON.stringify(success).replace('"eventVersion":"1.09"', '"eventVersion":"1.09","eventVersion":2')}]}`),
    ).toBeNull();
    expect(fastRead(`{"Records":[${JSON.stringify(success).replace('"eventVersion":"1.09"', '"eventVersion":null')}]}`)).toBeNull();
  });

  it('parses the first record of every file, so a file of S3 event notifications is declined however many records it has', () => {
    const notification = {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-11-20T00:00:00Z',
      eventName: 'ObjectCreated:Put',
    };
    expect(fastRead(logFile([notification, notification, notification]))).toBeNull();
  });

  it.each([
    ['trailing garbage', `${logFile([denial, success])}x`],
    ['a second document', `${logFile([denial])}${logFile([success])}`],
    ['another top-level key after Records', JSON.stringify({ Records: [denial], Extra: 1 })],
    ['a truncated text', logFile([denial, success]).slice(0, -40)],
    ['a missing closing brace', logFile([denial, success]).slice(0, -1)],
    ['invalid JSON inside a record that may be a denial', logFile([success, denial]).replace('"errorMessage":', '"errorMessage":,')],
    ['invalid JSON between records', logFile([denial, success]).replace('},{"eventVersion"', '}, ,{"eventVersion"')],
    ['a byte-order mark', `\ufeff${logFile([denial])}`],
    ['leading whitespace', ` ${logFile([denial])}`],
    ['an empty Records array', logFile([])],
    ['too short to be a log file', '{"Records":['],
    ['nothing', ''],
  ])('declines %s, so readRecords reads or reports it', (_, text) => {
    for (const chunkSize of [undefined, 1, 7]) expect(fastRead(text, chunkSize)).toBeNull();
  });

  it('counts a record that cannot be a denial without parsing it: its JSON is not checked', () => {
    // What scan relies on for those records instead: gzip's checksum, the file's frame and the record boundaries.
    const valid = logFile([success, denial, success]);
    const at = valid.lastIndexOf('"sourceIPAddress":');
    const text = `${valid.slice(0, at)}"sourceIPAddress":,${valid.slice(at + '"sourceIPAddress":'.length)}`;
    expect(fastRead(text)).toMatchObject({ records: 3 });
    expect(fullRead(text)).toEqual({ error: expect.stringMatching(/invalid JSON/) });
  });

  it('declines a denial nested 2,500 levels deep, as readRecords refuses it, without throwing', () => {
    const deep = `${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}`;
    const withDeepParameters = (record: Record<string, unknown>): string =>
      JSON.stringify({ ...record, requestParameters: 0 }).replace('"requestParameters":0', `"requestParameters":${deep}`);
    const text = `{"Records":[${[success, denial, success].map(withDeepParameters).join(',')}]}`;
    expect(fullRead(text)).toEqual({ error: expect.stringMatching(/nested deeper than 256 levels/) });
    for (const chunkSize of [undefined, 100, 4096]) expect(fastRead(text, chunkSize)).toBeNull();
  });

  it('reads a denial nested exactly as deep as readRecords accepts, and declines one level more', () => {
    // The file's object and its Records array are two levels, the record a third: its parameters may nest to the limit.
    // Built as text: JSON.stringify itself cannot follow the deepest of these.
    const withParameters = (levels: number): string =>
      logFile([success, { ...denial, requestParameters: null }]).replace(
        '"requestParameters":null',
        `"requestParameters":${'{"nested":'.repeat(levels)}"leaf"${'}'.repeat(levels)}`,
      );
    const atLimit = withParameters(MAX_JSON_DEPTH - 3);
    expect(fullRead(atLimit)).toMatchObject({ records: [expect.anything(), expect.anything()] });
    expect(expectAgreesWithReadRecords(atLimit)?.handedOver.filter(isDenial)).toHaveLength(1);
    expect(fullRead(withParameters(MAX_JSON_DEPTH - 2))).toEqual({ error: expect.stringMatching(/nested deeper than 256 levels/) });
    expect(fastRead(withParameters(MAX_JSON_DEPTH - 2))).toBeNull();
  });

  it('reads a denial with more brackets than levels allowed when they do not nest that deep', () => {
    const wide = {
      ...denial,
      requestParameters: { items: Array.from({ length: MAX_JSON_DEPTH * 2 }, (_, index) => ({ index, tags: [index] })) },
    };
    const read = expectAgreesWithReadRecords(logFile([success, wide, success]));
    expect(read?.handedOver.filter(isDenial)).toEqual([wide]);
  });

  it('declines a record longer than any CloudTrail writes, holding at most one chunk past that', () => {
    const reader = new CloudTrailLogFileReader(() => undefined);
    expect(reader.push(Buffer.from('{"Records":[{"eventVersion":"1.09","userAgent":"'))).toBe(true);
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let accepted = 0;
    while (reader.push(chunk)) accepted += 1;
    expect(accepted).toBeGreaterThan(10);
    expect(accepted).toBeLessThan(100);
    expect(reader.finish()).toBe(false);
  });

  it('reads generated log files exactly as readRecords does, in chunks of any size', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const read = expectAgreesWithReadRecords(randomLogFile(seed, 50, COMPACT));
      expect(read?.records).toBe(50);
    }
  });
});

describeWithCorpus('CloudTrailLogFileReader over the shared corpus', () => {
  it.each(corpusManifest().map((entry) => [entry.file]))('%s: declined or read exactly as readRecords reads it', (file) => {
    expectAgreesWithReadRecords(readCorpusFile(file));
  });

  it('reads the corpus records written as one log file exactly as readRecords does', () => {
    const records = corpusManifest().flatMap((entry) => {
      const read = fullRead(readCorpusFile(entry.file));
      return 'records' in read ? (read.records as Array<Record<string, unknown>>) : [];
    });
    // CloudTrail writes eventVersion first; records from pipelines that reorder keys are written back that way.
    const eventVersionFirst = records
      .filter((record) => typeof record.eventVersion === 'string')
      .map(({ eventVersion, ...rest }) => ({ eventVersion, ...rest }));
    expect(eventVersionFirst.length).toBeGreaterThan(20);
    expectAgreesWithReadRecords(logFile(eventVersionFirst));
  });
});
