import { gzipSync } from 'node:zlib';
import {
  diagnose,
  errorMessageRecord,
  InputError,
  MAX_INPUT_BYTES,
  MAX_JSON_DEPTH,
  readRecords,
  type CloudTrailRecord,
} from '../../../core/diagnosis';
import { gzipBomb } from '../../support/gzip-bomb';
import { loadSample } from './samples';

const record = loadSample('identity-policy-implicit.json').detail as CloudTrailRecord;
const other = loadSample('service-control-policy-explicit.json').detail as CloudTrailRecord;
const eventBridge = (detail: CloudTrailRecord) => ({
  version: '0',
  id: 'e1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.dynamodb',
  detail,
});
const ids = (records: CloudTrailRecord[]) => records.map((r) => r.eventID);

function inputError(input: Buffer | string, source = 'input.json', maxBytes?: number): InputError {
  try {
    readRecords(input, source, maxBytes);
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
    const lookup = {
      Events: [
        { EventId: 'a', CloudTrailEvent: JSON.stringify(record) },
        { EventId: 'b', CloudTrailEvent: other },
      ],
      NextToken: 'x',
    };
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
    expect(diagnose(records[1])).toMatchObject({
      cause: 'identity-policy',
      denial: 'implicit',
      principal: 'arn:aws:iam::111122223333:user/alice',
    });
  });

  it('reads the JavaScript SDK form "AccessDeniedException: User: ..." without an operation', () => {
    const [synthetic] = readRecords(
      'AccessDeniedException: User: arn:aws:iam::111122223333:user/bob is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table/T because no identity-based policy allows the dynamodb:PutItem action',
      'sdk.txt',
    );
    expect(synthetic).toMatchObject({
      errorCode: 'AccessDeniedException',
      eventName: 'PutItem',
      eventSource: 'dynamodb.amazonaws.com',
      awsRegion: 'us-east-1',
    });
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
    expect(inputError('{"hello": "world", "n": 1}', 'odd.json').message).toMatch(
      /^odd\.json: JSON of an unknown shape \(top-level keys: hello, n\)/,
    );
  });

  it('a JSON value that is not an object', () => {
    expect(inputError('42', 'n.json').message).toBe('n.json: expected a JSON object, found a number');
  });

  it('an S3 event notification is not taken for a CloudTrail log file', () => {
    const s3 = { Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: {} }] };
    expect(inputError(JSON.stringify(s3), 's3.json').message).toMatch(
      /^s3\.json: Records\[0\]: an aws:s3 event notification, neither a CloudTrail record nor an SQS message/,
    );
  });

  it('an EventBridge event that is not from CloudTrail', () => {
    const event = { version: '0', 'detail-type': 'EC2 Instance State-change Notification', detail: { state: 'running' } };
    expect(inputError(JSON.stringify(event), 'ec2.json').message).toMatch(
      /^ec2\.json: an EventBridge event of detail-type "EC2 Instance State-change Notification" that carries no CloudTrail record/,
    );
  });

  it('an SQS body that is not JSON', () => {
    const sqs = { Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body: 'not json' }] };
    expect(inputError(JSON.stringify(sqs), 'sqs.json').message).toMatch(/^sqs\.json: Records\[0\]\.body: invalid JSON/);
  });

  it('a lookup-events CloudTrailEvent string that is not JSON', () => {
    expect(inputError(JSON.stringify({ Events: [{ CloudTrailEvent: '{oops' }] }), 'lookup.json').message).toMatch(
      /^lookup\.json: Events\[0\]\.CloudTrailEvent: invalid JSON/,
    );
  });

  it('truncated gzip', () => {
    const gz = gzipSync(Buffer.from(JSON.stringify({ Records: [record, other] })));
    expect(inputError(gz.subarray(0, gz.length - 12), 'cut.json.gz').message).toMatch(
      /^cut\.json\.gz: corrupt or truncated gzip data \(.+\)$/,
    );
  });

  it.each([
    ['empty', ''],
    ['whitespace only', ' \n\t\n'],
    ['empty gzip content', gzipSync(Buffer.alloc(0))],
  ])('%s input', (_name, input) => {
    expect(inputError(input as string | Buffer, 'stdin').message).toBe('stdin: empty input');
  });

  it('plain text that holds no AWS error message', () => {
    expect(inputError('hello world\nnothing to see', 'notes.txt').message).toMatch(
      /^notes\.txt: neither JSON nor JSON Lines, and holds no AWS error message/,
    );
  });

  it('keeps control characters from the input out of the message', () => {
    const message = inputError(JSON.stringify({ 'evil\nkey\u001b[2J': 1 }), 'x.json').message;
    expect(message).not.toMatch(/[\n\u001b]/);
  });
});

describe('readRecords: every parse is linear in the input', () => {
  const message = (operation: string) =>
    `An error occurred (AccessDeniedException) when calling the ${operation} operation: User: arn:aws:iam::111122223333:user/alice is not authorized to perform: dynamodb:${operation} on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/Orders because no identity-based policy allows the dynamodb:${operation} action`;
  // Each line just under the length a line may have to be read as a message, built from the openings of every form.
  const crafted = (phrase: string) => phrase.repeat(Math.floor(16_000 / phrase.length));

  it('reads a few MB of crafted lines (openings that never close) and finds exactly the real messages among them', () => {
    const phrases = [
      'An error occurred (x) when calling the ',
      'User: ',
      'AccessDenied: ',
      ' on resource: ',
      'is not authorized to perform: x',
    ];
    const lines: string[] = [];
    for (let round = 0; round < 40; round++) lines.push(...phrases.map(crafted), ...Array<string>(8).fill(crafted('An error occurred (')));
    lines.splice(100, 0, message('GetItem'));
    lines.push(message('Query'));
    expect(lines.join('\n').length).toBeGreaterThan(8_000_000);

    const records = readRecords(lines.join('\n'), 'crafted.txt');
    // The "is not authorized to perform: x" lines are messages too (the bare SDK form), with no resource.
    const real = records.filter((r) => r.errorCode === 'AccessDeniedException' && r.eventName !== undefined && r.awsRegion === 'eu-west-1');
    expect(real.map((r) => r.eventName)).toEqual(['GetItem', 'Query']);
    expect(records).toHaveLength(2 + 40);
  });

  it('takes the error code of the last "An error occurred (" opening on a line, not everything after the first', () => {
    const [synthetic] = readRecords(`${'An error occurred ('.repeat(20)}${message('GetItem')}`, 'line.txt');
    expect(synthetic).toMatchObject({ errorCode: 'AccessDeniedException', eventName: 'GetItem', awsRegion: 'eu-west-1' });
  });
});

describe('readRecords: nesting is bounded before anything walks the JSON', () => {
  const nestedArrays = (levels: number, inner = '') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
  // Built as text: JSON.stringify itself cannot follow the deepest of these.
  const withNestedParameters = (levels: number) =>
    JSON.stringify({ ...record, requestParameters: null }).replace(
      '"requestParameters":null',
      `"requestParameters":${'{"nested":'.repeat(levels)}"leaf"${'}'.repeat(levels)}`,
    );
  const depthOf = (value: unknown): number =>
    typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;

  it('arrays nested 2,500 levels (a 5 KB file) are one InputError naming the input', () => {
    expect(inputError(nestedArrays(2_500), 'deep.json').message).toBe(`deep.json: nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('a record whose request parameters nest far deeper than JSON.stringify can follow', () => {
    expect(inputError(withNestedParameters(50_000), 'deep-record.json').message).toBe(
      `deep-record.json: nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  });

  it('a document nested exactly to the limit is read, one level more is not', () => {
    const atLimit = withNestedParameters(MAX_JSON_DEPTH - 1); // the record is the outermost level
    expect(depthOf(JSON.parse(atLimit))).toBe(MAX_JSON_DEPTH);
    expect(ids(readRecords(atLimit, 'at-limit.json'))).toEqual([record.eventID]);
    expect(inputError(withNestedParameters(MAX_JSON_DEPTH), 'over.json').message).toBe(
      `over.json: nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  });

  it('counts the levels of the documents around an SQS body or a CloudTrailEvent string', () => {
    const body = nestedArrays(200, JSON.stringify(record));
    const sqs = JSON.stringify({ Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body }] });
    expect(ids(readRecords(sqs, 'sqs.json'))).toEqual([record.eventID]);
    expect(inputError(nestedArrays(100, sqs), 'sqs-in-arrays.json').message).toBe(
      `sqs-in-arrays.json: [0]: ${'[0]: '.repeat(99)}Records[0].body: nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
    const lookup = JSON.stringify({ Events: [{ CloudTrailEvent: withNestedParameters(MAX_JSON_DEPTH - 3) }] });
    expect(inputError(lookup, 'lookup.json').message).toBe(
      `lookup.json: Events[0].CloudTrailEvent: nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  });

  it('braces and brackets inside strings, escaped quotes included, do not count', () => {
    const tricky = { ...record, requestParameters: { text: `\\"${'{['.repeat(5_000)}\\\\"` } };
    expect(ids(readRecords(JSON.stringify(tricky), 'strings.json'))).toEqual([record.eventID]);
  });

  it('each line of JSON Lines is bounded, and the error names the line', () => {
    expect(inputError(`${JSON.stringify(record)}\n${nestedArrays(1_000)}\n`, 'lines.jsonl').message).toBe(
      `lines.jsonl: line 2: nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  });
});

describe('readRecords: size is bounded', () => {
  it('refuses more than the limit of bytes, naming the limit', () => {
    expect(inputError(Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20), 'big.json').message).toBe('big.json: too large (over 64 MiB)');
    expect(inputError(JSON.stringify({ Records: [record] }), 'small-limit.json', 1024).message).toBe(
      'small-limit.json: too large (over 1 KiB)',
    );
  });

  it('stops inflating gzip at the limit: a small file that inflates beyond it is named as such, not as corrupt', () => {
    const bomb = gzipBomb(MAX_INPUT_BYTES + 1);
    expect(bomb.length).toBeLessThan(1_000_000);
    expect(inputError(bomb, 'bomb.json.gz').message).toBe('bomb.json.gz: too large after decompression (over 64 MiB)');
  });

  it('reads an input of exactly the limit', () => {
    const text = JSON.stringify({ Records: [record] });
    expect(ids(readRecords(Buffer.from(text), 'exact.json', Buffer.byteLength(text)))).toEqual([record.eventID]);
    expect(ids(readRecords(gzipSync(text), 'exact.json.gz', Buffer.byteLength(text)))).toEqual([record.eventID]);
  });
});

describe('readRecords: text before JSON is invalid JSON, not a pasted message', () => {
  const denialLog = JSON.stringify({ Records: [record, other] });

  const byteAt = (text: string, index: number) => Buffer.byteLength(text.slice(0, index));
  it.each([
    ['stray bytes before a log file', `xx${denialLog}`],
    ['a prompt line before a pretty-printed document', `$ aws cloudtrail lookup-events\n${JSON.stringify({ Records: [record] }, null, 2)}`],
    ['a log prefix before JSON Lines', `2026-11-20 INFO ${JSON.stringify(record)}\n${JSON.stringify(other)}\n`],
    ['whitespace, then junk that is not ASCII', `\n  \u00e9\u00e9${denialLog}`],
  ])('%s', (_name, text) => {
    const junkAt = byteAt(text, text.search(/\S/));
    const jsonAt = byteAt(text, text.indexOf('{'));
    expect(inputError(text, 'junk.json').message).toBe(
      `junk.json: invalid JSON at byte ${junkAt} (text before the JSON that starts at byte ${jsonAt})`,
    );
  });

  it('a JSON object after other text with no AWS error message in it is invalid JSON too', () => {
    expect(inputError('garbage {"hello": "world"}', 'odd.json').message).toBe(
      'odd.json: invalid JSON at byte 0 (text before the JSON that starts at byte 8)',
    );
  });

  it("text before JSON that does not parse either (cut short) is invalid JSON, with the parser's reason", () => {
    expect(inputError(`garbage ${denialLog.slice(0, 200)}`, 'cut.json').message).toMatch(/^cut\.json: invalid JSON \(.+\)$/);
  });

  it('a pasted log line whose JSON is an error object, not a CloudTrail shape, is still read as a pasted message', () => {
    const lambdaLog = `2026-11-20T09:15:00.000Z\tc0ffee\tERROR\tInvoke Error \t${JSON.stringify({
      errorType: 'AccessDeniedException',
      errorMessage:
        'User: arn:aws:sts::111122223333:assumed-role/app/s1 is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/Orders because no identity-based policy allows the dynamodb:GetItem action',
    })}`;
    const [synthetic] = readRecords(lambdaLog, 'lambda.log');
    expect(diagnose(synthetic)).toMatchObject({
      cause: 'identity-policy',
      tableName: 'Orders',
      principal: 'arn:aws:iam::111122223333:role/app',
    });
  });
});
