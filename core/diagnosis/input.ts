import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { arnAccount, parseArn } from './arn';
import { objectValue, text, type CloudTrailRecord } from './record';
import { escapeSingleLine } from '../render/escape';

/** Input that is not one of the supported shapes. The message is one line: "<source>: <what is wrong>". */
export class InputError extends Error {
  readonly source: string;

  constructor(source: string, problem: string) {
    // Sources and problems quote the input, which may hold anything: keep the message on one line.
    super(escapeSingleLine(`${source}: ${problem}`));
    this.name = 'InputError';
    this.source = source;
  }
}

/**
 * Reads every supported shape and returns the CloudTrail records it holds, in input order:
 * 1. one CloudTrail record; 2. an EventBridge event (detail-type "... via CloudTrail", record under `detail`);
 * 3. a CloudTrail log file {"Records":[...]}, plain or gzip (by magic bytes); 4. `aws cloudtrail lookup-events`
 * output {"Events":[{"CloudTrailEvent": string or object}]}; 5. an SQS event whose Records[].body holds any of these;
 * 6. JSON Lines of any of these (a JSON array of them is read the same way); 7. plain text holding AWS error
 * messages, one synthetic record per message (see errorMessageRecord).
 * Text is UTF-8, or UTF-16 with a byte-order mark. Pure: the caller reads the bytes. Throws InputError for anything else.
 */
export function readRecords(input: Buffer | string, source: string): CloudTrailRecord[] {
  const textInput = typeof input === 'string' ? input : decode(input, source);
  const content = textInput.charCodeAt(0) === 0xfeff ? textInput.slice(1) : textInput;
  if (content.trim() === '') throw new InputError(source, 'empty input');

  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    return readNonJsonDocument(content, source, error);
  }
  const records: CloudTrailRecord[] = [];
  collectRecords(document, source, '', records);
  return records;
}

function decode(input: Buffer, source: string): string {
  if (input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b) {
    try {
      return gunzipSync(input).toString('utf8');
    } catch (error) {
      throw new InputError(source, `corrupt or truncated gzip data (${messageOf(error)})`);
    }
  }
  // Windows PowerShell's `>` writes UTF-16 with a byte-order mark: `aws cloudtrail lookup-events > out.json`.
  if (input.length >= 2 && input[0] === 0xff && input[1] === 0xfe) return input.toString('utf16le', 2);
  if (input.length >= 2 && input[0] === 0xfe && input[1] === 0xff) return new TextDecoder('utf-16be').decode(input.subarray(2));
  return input.toString('utf8');
}

const LINE_BREAK = /\r?\n/;

/** Not one JSON document: JSON Lines when the first line parses on its own, else an error message in plain text. */
function readNonJsonDocument(content: string, source: string, documentError: unknown): CloudTrailRecord[] {
  const lines = content.split(LINE_BREAK);
  const firstLine = lines.findIndex((line) => line.trim() !== '');
  const first = lines[firstLine].trim();
  if (!first.startsWith('{') && !first.startsWith('[') && !first.startsWith('"')) {
    const records = errorMessageRecords(lines);
    if (records.length > 0) return records;
    throw new InputError(source, 'neither JSON nor JSON Lines, and holds no AWS error message ("... is not authorized to perform ..." or "An error occurred (...)")');
  }
  if (!parses(first)) throw new InputError(source, `invalid JSON (${messageOf(documentError)})`);

  const records: CloudTrailRecord[] = [];
  for (let index = firstLine; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError(source, `line ${index + 1}: invalid JSON (${messageOf(error)})`);
    }
    collectRecords(value, source, `line ${index + 1}: `, records);
  }
  return records;
}

function parses(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

const EVENTBRIDGE_CLOUDTRAIL_DETAIL = / via CloudTrail$/;

/** Appends the CloudTrail records a parsed JSON value holds; `where` locates it in the input for error messages. */
function collectRecords(value: unknown, source: string, where: string, records: CloudTrailRecord[]): void {
  if (Array.isArray(value)) {
    value.forEach((element, index) => collectRecords(element, source, `${where}[${index}]: `, records));
    return;
  }
  const object = objectValue(value);
  if (!object) throw new InputError(source, `${where}expected a JSON object, found ${describeJson(value)}`);

  if ('detail-type' in object) {
    const detailType = text(object['detail-type']) ?? '';
    const detail = objectValue(object.detail);
    if (!EVENTBRIDGE_CLOUDTRAIL_DETAIL.test(detailType) || !detail || !isCloudTrailRecord(detail)) {
      throw new InputError(source, `${where}an EventBridge event of detail-type "${truncate(detailType)}" that carries no CloudTrail record`);
    }
    records.push(detail as CloudTrailRecord);
    return;
  }
  if (Array.isArray(object.Records)) {
    collectLogFileOrSqsRecords(object.Records, source, where, records);
    return;
  }
  if (Array.isArray(object.Events)) {
    object.Events.forEach((event: unknown, index: number) => {
      const location = `${where}Events[${index}].CloudTrailEvent`;
      const cloudTrailEvent = objectValue(event)?.CloudTrailEvent;
      const record = typeof cloudTrailEvent === 'string' ? parseJson(cloudTrailEvent, source, location) : cloudTrailEvent;
      if (!objectValue(record) || !isCloudTrailRecord(record as Record<string, unknown>)) {
        throw new InputError(source, `${location}: not a CloudTrail record (lookup-events output must carry CloudTrailEvent)`);
      }
      records.push(record as CloudTrailRecord);
    });
    return;
  }
  if (isCloudTrailRecord(object)) {
    records.push(object as CloudTrailRecord);
    return;
  }
  throw new InputError(source, `${where}${describeUnknownShape(object)}`);
}

function collectLogFileOrSqsRecords(elements: unknown[], source: string, where: string, records: CloudTrailRecord[]): void {
  for (let index = 0; index < elements.length; index++) {
    const element = objectValue(elements[index]);
    const location = `${where}Records[${index}]`;
    if (element && typeof element.body === 'string' && (element.eventSource === 'aws:sqs' || 'messageId' in element)) {
      // An SQS message: its body is an EventBridge event (or any other supported shape).
      collectRecords(parseJson(element.body, source, `${location}.body`), source, `${location}.body: `, records);
    } else if (element && isCloudTrailRecord(element)) {
      records.push(element as CloudTrailRecord);
    } else {
      const eventSource = element ? text(element.eventSource) : undefined;
      const what = eventSource?.startsWith('aws:') ? `an ${eventSource} event notification` : describeJson(elements[index]);
      throw new InputError(source, `${location}: ${truncate(what)}, neither a CloudTrail record nor an SQS message`);
    }
  }
}

/**
 * A CloudTrail record has an eventVersion, or an eventSource and an eventName (some pipelines drop eventVersion).
 * Event notifications of other services (eventSource "aws:s3", "aws:sqs") look alike and are excluded.
 */
function isCloudTrailRecord(object: Record<string, unknown>): boolean {
  const eventSource = object.eventSource;
  if (typeof eventSource === 'string' && eventSource.startsWith('aws:')) return false;
  return typeof object.eventVersion === 'string' || (typeof eventSource === 'string' && typeof object.eventName === 'string');
}

function describeUnknownShape(object: Record<string, unknown>): string {
  if (Array.isArray(object.logEvents) && 'logGroup' in object) {
    return 'a CloudWatch Logs subscription message, not a CloudTrail record (supported: a CloudTrail record, an EventBridge event, a log file {"Records":[...]}, lookup-events output, an SQS event)';
  }
  if ('class_uid' in object && objectValue(object.metadata)) {
    return 'an OCSF record (e.g. from Security Lake), not a CloudTrail record';
  }
  const keys = Object.keys(object).slice(0, 5).map((key) => truncate(key, 40));
  return `JSON of an unknown shape (top-level keys: ${keys.join(', ') || 'none'}); expected a CloudTrail record, an EventBridge event, a log file {"Records":[...]}, lookup-events output {"Events":[...]} or an SQS event`;
}

function parseJson(value: string, source: string, location: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new InputError(source, `${location}: invalid JSON (${messageOf(error)})`);
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function truncate(value: string, length = 60): string {
  return value.length > length ? `${value.slice(0, length)}…` : value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// "An error occurred (AccessDeniedException) when calling the GetItem operation: <message>", as botocore and the
// AWS CLI print it (optionally "(reached max retries: N)" after the operation).
const CLI_ERROR = /An error occurred \(([^)]+)\)(?: \(reached max retries: \d+\))? when calling the (\w+) operation(?: \(reached max retries: \d+\))?: (.*)$/;
// Other SDKs: "AccessDeniedException: User: arn:... is not authorized to perform: ..." or the bare message.
const SDK_ERROR = /(?:\b(\w{0,64}(?:AccessDenied|Unauthorized)\w{0,64}):\s*)?((?:User: \S+ |User )?is not authorized to perform: .*)$/;
const ERROR_LINE_LIMIT = 16_384;
const MESSAGE_ACTION = /is not authorized to perform: ([A-Za-z0-9-]+):([A-Za-z0-9*]+)/;
const MESSAGE_RESOURCE = / on resource: (\S+)/;
const MESSAGE_CALLER = /User: (\S+) is not authorized/;

/** One synthetic record per line that holds an AWS error message; lines around them (tracebacks, prompts) are ignored. */
function errorMessageRecords(lines: readonly string[]): CloudTrailRecord[] {
  const records: CloudTrailRecord[] = [];
  for (const line of lines) {
    const record = errorMessageRecord(line.trim());
    if (record) records.push(record);
  }
  return records;
}

/**
 * A CloudTrail-like record built from an error message alone, so diagnose() treats it like any other:
 * - errorCode from "(...)" or the exception name before the message, else AccessDeniedException;
 * - eventName from "calling the X operation", else the action's name; eventSource from the action's service prefix;
 * - awsRegion and recipientAccountId from the resource ARN (the caller ARN's account when the resource has none);
 * - eventID "message-" + the first 32 hex digits of the line's SHA-256, so the same message always gets the same id;
 * - no eventTime (an error message has none: the diagnosis says "" for the time) and no userIdentity (the caller
 *   comes from the message; nothing is claimed about MFA).
 */
export function errorMessageRecord(line: string): CloudTrailRecord | null {
  // Error messages are a few hundred characters (EC2's encoded blob a few thousand): longer lines are something else.
  if (line.length > ERROR_LINE_LIMIT) return null;
  let errorCode: string | undefined;
  let operation: string | undefined;
  let message: string;
  const cli = CLI_ERROR.exec(line);
  if (cli) {
    [, errorCode, operation, message] = cli;
  } else {
    const sdk = SDK_ERROR.exec(line);
    if (!sdk) return null;
    errorCode = sdk[1];
    message = sdk[2];
  }
  const action = MESSAGE_ACTION.exec(message);
  const resource = MESSAGE_RESOURCE.exec(message)?.[1];
  const callerArn = MESSAGE_CALLER.exec(message)?.[1];
  const resourceArn = parseArn(resource);
  const record: CloudTrailRecord = {
    eventID: `message-${createHash('sha256').update(line).digest('hex').slice(0, 32)}`,
    errorCode: errorCode ?? 'AccessDeniedException',
    errorMessage: message,
  };
  if (action) record.eventSource = `${action[1]}.amazonaws.com`;
  const eventName = operation ?? action?.[2];
  if (eventName) record.eventName = eventName;
  if (resourceArn?.region) record.awsRegion = resourceArn.region;
  const account = arnAccount(resource) ?? arnAccount(callerArn);
  if (account) record.recipientAccountId = account;
  return record;
}
