import { gzipSync } from 'node:zlib';
import { diagnose, errorMessageRecord, InputError, readRecords, type CloudTrailRecord } from '../../../core/diagnosis';
import { loadSample } from './samples';

const record = loadSample('identity-policy-implicit.json').detail as CloudTrailRecord;
const other = loadSample('service-control-policy-explicit.json').detail as CloudTrailRecord;
const eventBridge = (detail: CloudTrailRecord) => ({ version: '0', id: 'e1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.dynamodb', detail });
const ids = (records: CloudTrailRecord[]) => records.map((r) => r.eventID);

function inputError(input: Buffer | string, source = 'input.json'): InputError {
  try {
    readRecords(input, source);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('readRecords: supported shapes', () => {
  it('1. one CloudTrail record', () => {
    expect(ids(readRecords(JSON.stringify(record), 'r.json'))).toEqual([record.eventID]);
  });

  it('2. an EventBridge event: the record under detail', () => {
    expect(ids(readRecords(JSON.stringify(eventBridge(record)), 'e.json'))).toEqual([record.eventID]);
  });

  it('3. a CloudTrail log file, plain', () => {
    expect(ids(readRecords(JSON.stringify({ Records: [record, other] }), 'log.json'))).toEqual([record.eventID, other.eventID]);
  });

  it('3. a CloudTrail log file, gzip detected by magic bytes whatever the name', () => {
    const gz = gzipSync(Buffer.from(JSON.stringify({ Records: [record, other] })));
    expect(ids(readRecords(gz, 'no-extension'))).toEqual([record.eventID, other.eventID]);
  });

  it('4. lookup-events output with CloudTrailEvent as a JSON string and as an object', () => {
    const lookup = { Events: [{ EventId: 'a', CloudTrailEvent: JSON.stringify(record) }, { EventId: 'b', CloudTrailEvent: other }], NextToken: 'x' };
    expect(ids(readRecords(JSON.stringify(lookup), 'lookup.json'))).toEqual([record.eventID, other.eventID]);
  });

  it('5. an SQS event whose bodies are EventBridge events (its Records are not a log file)', () => {
    const sqs = {
      Records: [
        { messageId: 'm1', body: JSON.stringify(eventBridge(record)), eventSource: 'aws:sqs', attributes: {} },
        { messageId: 'm2', body: JSON.stringify(eventBridge(other)), eventSource: 'aws:sqs', attributes: {} },
      ],
    };
    expect(ids(readRecords(JSON.stringify(sqs), 'sqs.json'))).toEqual([record.eventID, other.eventID]);
  });

  it('6. JSON Lines of mixed shapes, blank lines ignored, in input order', () => {
    const lines = [JSON.stringify(record), '', JSON.stringify(eventBridge(other)), JSON.stringify({ Records: [record] })].join('\n');
    expect(ids(readRecords(`${lines}\n`, 'lines.jsonl'))).toEqual([record.eventID, other.eventID, record.eventID]);
  });

  it('6. JSON Lines inside gzip, with CRLF line ends and a byte-order mark', () => {
    const text = `\uFEFF${JSON.stringify(record)}\r\n${JSON.stringify(other)}\r\n`;
    expect(ids(readRecords(gzipSync(Buffer.from(text)), 'lines.gz'))).toEqual([record.eventID, other.eventID]);
  });

  it('UTF-16 with a byte-order mark (Windows PowerShell redirection), little and big endian', () => {
    const text = JSON.stringify({ Events: [{ CloudTrailEvent: JSON.stringify(record) }] });
    const little = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const big = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    expect(ids(readRecords(little, 'ps-le.json'))).toEqual([record.eventID]);
    expect(ids(readRecords(big, 'ps-be.json'))).toEqual([record.eventID]);
  });

  it('a JSON array of supported shapes (jq -s output) is read element by element', () => {
    expect(ids(readRecords(JSON.stringify([record, eventBridge(other)]), 'array.json'))).toEqual([record.eventID, other.eventID]);
  });

  it('an empty log file holds no records and is not an error', () => {
    expect(readRecords('{"Records":[]}', 'empty-log.json')).toEqual([]);
  });
});

describe('readRecords: 7. plain text holding AWS error messages', () => {
  const cliMessage =
    'An error occurred (AccessDeniedException) when calling the GetItem operation: User: arn:aws:sts::111122223333:assumed-role/app-backend/i-0abc is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/Orders with an explicit deny in a service control policy';

  it('becomes a synthetic record that diagnose() handles like any other', () => {
    const [synthetic] = readRecords(`${cliMessage}\n`, 'error.txt');
    expect(synthetic).toEqual({
      eventID: expect.stringMatching(/^message-[0-9a-f]{32}$/),
      errorCode: 'AccessDeniedException',
      errorMessage: cliMessage.slice(cliMessage.indexOf('User: ')),
      eventSource: 'dynamodb.amazonaws.com',
      eventName: 'GetItem',
      awsRegion: 'eu-west-1',
      recipientAccountId: '111122223333',
    });
    expect(diagnose(synthetic)).toMatchObject({
      cause: 'service-control-policy',
      denial: 'explicit',
      principal: 'arn:aws:iam::111122223333:role/app-backend',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/app-backend/i-0abc',
      tableName: 'Orders',
      eventTime: '',
      mfaAuthenticated: null,
    });
  });

  it('derives the same eventID from the same text, a different one from different text', () => {
    const first = errorMessageRecord(cliMessage)!;
    expect(errorMessageRecord(cliMessage)!.eventID).toBe(first.eventID);
    expect(errorMessageRecord(cliMessage.replace('GetItem operation', 'Query operation'))!.eventID).not.toBe(first.eventID);
  });

  it('finds messages inside a traceback, one record per message, and reads "(reached max retries: N)"', () => {
    const text = [
      'Traceback (most recent call last):',
      '  File "app.py", line 3, in <module>',
      `botocore.exceptions.ClientError: ${cliMessage}`,
      'An error occurred (AccessDeniedException) when calling the Query operation (reached max retries: 4): User: arn:aws:iam::111122223333:user/alice is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/Orders because no identity-based policy allows the dynamodb:Query action',
    ].join('\n');
    const records = readRecords(text, 'trace.txt');
    expect(records.map((r) => r.eventName)).toEqual(['GetItem', 'Query']);
    expect(diagnose(records[1])).toMatchObject({ cause: 'identity-policy', denial: 'implicit', principal: 'arn:aws:iam::111122223333:user/alice' });
  });

  it('reads the JavaScript SDK form "AccessDeniedException: User: ..." without an operation', () => {
    const [synthetic] = readRecords('AccessDeniedException: User: arn:aws:iam::111122223333:user/bob is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table/T because no identity-based policy allows the dynamodb:PutItem action', 'sdk.txt');
    expect(synthetic).toMatchObject({ errorCode: 'AccessDeniedException', eventName: 'PutItem', eventSource: 'dynamodb.amazonaws.com', awsRegion: 'us-east-1' });
  });
});

describe('readRecords: input errors name the source and what is wrong, on one line', () => {
  it('invalid JSON', () => {
    const error = inputError('{"eventVersion": "1.08", "errorCode": }', 'broken.json');
    expect(error.source).toBe('broken.json');
    expect(error.message).toMatch(/^broken\.json: invalid JSON \(.+\)$/);
  });

  it('invalid JSON on a later line of JSON Lines names the line', () => {
    expect(inputError(`${JSON.stringify(record)}\n{"eventVersion":`, 'lines.jsonl').message).toMatch(/^lines\.jsonl: line 2: invalid JSON/);
  });

  it('JSON of an unknown shape lists its top-level keys', () => {
    expect(inputError('{"hello": "world", "n": 1}', 'odd.json').message).toMatch(/^odd\.json: JSON of an unknown shape \(top-level keys: hello, n\)/);
  });

  it('a JSON value that is not an object', () => {
    expect(inputError('42', 'n.json').message).toBe('n.json: expected a JSON object, found a number');
  });

  it('an S3 event notification is not taken for a CloudTrail log file', () => {
    const s3 = { Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: {} }] };
    expect(inputError(JSON.stringify(s3), 's3.json').message).toMatch(/^s3\.json: Records\[0\]: an aws:s3 event notification, neither a CloudTrail record nor an SQS message/);
  });

  it('an EventBridge event that is not from CloudTrail', () => {
    const event = { version: '0', 'detail-type': 'EC2 Instance State-change Notification', detail: { state: 'running' } };
    expect(inputError(JSON.stringify(event), 'ec2.json').message).toMatch(/^ec2\.json: an EventBridge event of detail-type "EC2 Instance State-change Notification" that carries no CloudTrail record/);
  });

  it('an SQS body that is not JSON', () => {
    const sqs = { Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body: 'not json' }] };
    expect(inputError(JSON.stringify(sqs), 'sqs.json').message).toMatch(/^sqs\.json: Records\[0\]\.body: invalid JSON/);
  });

  it('a lookup-events CloudTrailEvent string that is not JSON', () => {
    expect(inputError(JSON.stringify({ Events: [{ CloudTrailEvent: '{oops' }] }), 'lookup.json').message).toMatch(/^lookup\.json: Events\[0\]\.CloudTrailEvent: invalid JSON/);
  });

  it('truncated gzip', () => {
    const gz = gzipSync(Buffer.from(JSON.stringify({ Records: [record, other] })));
    expect(inputError(gz.subarray(0, gz.length - 12), 'cut.json.gz').message).toMatch(/^cut\.json\.gz: corrupt or truncated gzip data \(.+\)$/);
  });

  it.each([['empty', ''], ['whitespace only', ' \n\t\n'], ['empty gzip content', gzipSync(Buffer.alloc(0))]])('%s input', (_name, input) => {
    expect(inputError(input as string | Buffer, 'stdin').message).toBe('stdin: empty input');
  });

  it('plain text that holds no AWS error message', () => {
    expect(inputError('hello world\nnothing to see', 'notes.txt').message).toMatch(/^notes\.txt: neither JSON nor JSON Lines, and holds no AWS error message/);
  });

  it('keeps control characters from the input out of the message', () => {
    const message = inputError(JSON.stringify({ 'evil\nkey\u001b[2J': 1 }), 'x.json').message;
    expect(message).not.toMatch(/[\n\u001b]/);
  });
});
