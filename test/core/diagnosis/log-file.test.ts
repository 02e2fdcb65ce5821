import { gzipSync } from 'node:zlib';
import { InputError, readCloudTrailLogFile, readRecords } from '../../../core/diagnosis';
import { corpusManifest, describeWithCorpus, readCorpusFile } from '../../support/corpus';
import { dynamodbRecord, EXPLICIT_SCP, IMPLICIT_IDENTITY } from '../../cli/fixtures';

const denial = dynamodbRecord({ eventId: 'd1', reason: EXPLICIT_SCP });
const success = dynamodbRecord({ eventId: 's1' });
const otherDenial = dynamodbRecord({ eventId: 'd2', action: 'GetItem', reason: IMPLICIT_IDENTITY('GetItem') });
const logFile = (records: readonly unknown[]): string => JSON.stringify({ Records: records });
const gz = (text: string): Buffer => gzipSync(Buffer.from(text));

/** What readRecords does with the input: its records, or the InputError message it throws. */
function fullRead(input: Buffer): { records: unknown } | { error: string } {
  try {
    return { records: readRecords(input, 'file') };
  } catch (error) {
    if (error instanceof InputError) return { error: error.message };
    throw error;
  }
}

/** The fast reader's contract: it either declines (null) or returns exactly what readRecords returns. */
function expectFastReadAgrees(input: Buffer): ReturnType<typeof readCloudTrailLogFile> {
  const fast = readCloudTrailLogFile(input);
  if (fast !== null) expect({ records: fast }).toEqual(fullRead(input));
  return fast;
}

describe('readCloudTrailLogFile', () => {
  it('reads a log file as CloudTrail writes it, gzipped or plain, exactly as readRecords does', () => {
    const text = logFile([success, denial, success, otherDenial]);
    for (const input of [gz(text), Buffer.from(text), gz(`${text}\n`), Buffer.from(`${text} \r\n\t`)]) {
      const records = expectFastReadAgrees(input);
      expect(records).toHaveLength(4);
      expect(records?.map((record) => record.eventID)).toEqual(['s1', 'd1', 's1', 'd2']);
    }
  });

  it('reads a file of one record', () => {
    expect(expectFastReadAgrees(gz(logFile([denial])))).toHaveLength(1);
  });

  it('decodes UTF-8 text (non-ASCII values) like readRecords', () => {
    const records = expectFastReadAgrees(gz(logFile([{ ...denial, userAgent: 'Zürich → 東京 😀' }, success])));
    expect(records?.[0].userAgent).toBe('Zürich → 东京 😀'.replace('东', '東'));
  });

  it('reads records whose string values hold "errorCode" or the record separator (quotes in strings are escaped)', () => {
    const tricky = { ...success, userAgent: 'sdk "errorCode":"AccessDenied" },{"eventVersion":"1.09"} end' };
    expect(expectFastReadAgrees(gz(logFile([tricky, denial])))).toHaveLength(2);
  });

  it('declines records whose first key is not eventVersion', () => {
    const { eventVersion, ...rest } = success;
    expect(readCloudTrailLogFile(gz(logFile([{ eventSource: 'dynamodb.amazonaws.com', ...rest, eventVersion }, denial])))).toBeNull();
    expect(readCloudTrailLogFile(gz(logFile([denial, { eventSource: 'dynamodb.amazonaws.com', ...rest, eventVersion }])))).toBeNull();
  });

  it('declines a record whose nested objects start with "eventVersion" (the cut lands inside the record)', () => {
    const nested = { ...success, resources: [{ type: 'x' }, { eventVersion: '1.0', ARN: 'arn' }] };
    expect(readCloudTrailLogFile(gz(logFile([denial, nested, success])))).toBeNull();
    expect(fullRead(gz(logFile([denial, nested, success])))).toEqual({ records: [denial, nested, success] });
  });

  it('declines elements readRecords treats differently: SQS messages, other services\' notifications, no string eventVersion', () => {
    expect(readCloudTrailLogFile(gz(logFile([{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' }])))).toBeNull();
    expect(readCloudTrailLogFile(gz(logFile([{ eventVersion: '1', messageId: 'm', body: JSON.stringify(denial) }])))).toBeNull();
    expect(readCloudTrailLogFile(Buffer.from('{"Records":[{"eventVersion":"1.09","eventVersion":2,"eventSource":"s","eventName":"n"}]}'))).toBeNull();
    expect(readCloudTrailLogFile(Buffer.from('{"Records":[{"eventVersion":"1.09"},{"eventVersion":null}]}'))).toBeNull();
  });

  it.each([
    ['trailing garbage', `${logFile([denial, success])}x`],
    ['a second document', `${logFile([denial])}${logFile([success])}`],
    ['another top-level key after Records', JSON.stringify({ Records: [denial], Extra: 1 })],
    ['a truncated text', logFile([denial, success]).slice(0, -40)],
    ['a missing closing brace', logFile([denial, success]).slice(0, -1)],
    ['invalid JSON inside a record', logFile([denial, success]).replace('"eventTime":', '"eventTime":,')],
    ['invalid JSON between records', logFile([denial, success]).replace('},{"eventVersion"', '}, ,{"eventVersion"')],
    ['a byte-order mark', `\ufeff${logFile([denial])}`],
    ['leading whitespace', ` ${logFile([denial])}`],
    ['an empty Records array', logFile([])],
  ])('declines %s, so readRecords reads or reports it', (_, text) => {
    for (const input of [gz(text), Buffer.from(text)]) expect(readCloudTrailLogFile(input)).toBeNull();
  });

  it('declines a truncated or corrupt gzip stream (readRecords reports it)', () => {
    const compressed = gz(logFile([denial, success]));
    const truncated = compressed.subarray(0, compressed.length - 10);
    expect(readCloudTrailLogFile(truncated)).toBeNull();
    expect(fullRead(truncated)).toEqual({ error: expect.stringMatching(/^file: corrupt or truncated gzip data/) });
  });

  it('reads a gzip of several members, whose trailer gives only the last member\'s size', () => {
    const text = logFile([denial, success, otherDenial]);
    const members = Buffer.concat([gz(text.slice(0, 1000)), gz(text.slice(1000))]);
    expect(expectFastReadAgrees(members)).toHaveLength(3);
  });

  it('declines a gzip stream whose trailer claims another size', () => {
    const compressed = Buffer.from(gz(logFile([denial])));
    compressed.writeUInt32LE(0xffffffff, compressed.length - 4);
    expect(readCloudTrailLogFile(compressed)).toBeNull();
    expect(fullRead(compressed)).toEqual({ error: expect.stringMatching(/^file: corrupt or truncated gzip data/) });
  });

  it('declines other input shapes', () => {
    for (const text of [JSON.stringify(denial), JSON.stringify({ Events: [{ CloudTrailEvent: JSON.stringify(denial) }] }), `${JSON.stringify(denial)}\n${JSON.stringify(success)}`, 'AccessDenied', '']) {
      expect(readCloudTrailLogFile(Buffer.from(text))).toBeNull();
    }
  });
});

describeWithCorpus('readCloudTrailLogFile over the shared corpus', () => {
  it.each(corpusManifest().map((entry) => [entry.file]))('%s: declined or read exactly as readRecords reads it', (file) => {
    const content = readCorpusFile(file);
    expectFastReadAgrees(content);
    expectFastReadAgrees(gzipSync(content));
  });
});

describeWithCorpus('readCloudTrailLogFile over the corpus records written as one log file', () => {
  it('reads every record readRecords reads, in order', () => {
    const records = corpusManifest().flatMap((entry) => {
      const read = fullRead(readCorpusFile(entry.file));
      return 'records' in read ? (read.records as Array<Record<string, unknown>>) : [];
    });
    // CloudTrail writes eventVersion first; records from pipelines that reorder keys are written back that way.
    const eventVersionFirst = records.filter((record) => typeof record.eventVersion === 'string').map(({ eventVersion, ...rest }) => ({ eventVersion, ...rest }));
    expect(eventVersionFirst.length).toBeGreaterThan(20);
    expect(expectFastReadAgrees(gz(logFile(eventVersionFirst)))).toHaveLength(eventVersionFirst.length);
  });
});
