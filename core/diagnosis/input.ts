import { createHash } from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { arnAccount, parseArn } from './arn';
import { objectValue, text, type CloudTrailRecord } from './record';
import { escapeSingleLine } from './invisible';

/** Input that is not one of the supported shapes. The message is one line: "<source>: <what is wrong>". */
export class InputError extends Error {
  readonly source: string;
  /** What is wrong, without the source. */
  readonly problem: string;

  constructor(source: string, problem: string) {
    // Sources and problems quote the input, which may hold anything: keep the message on one line.
    super(escapeSingleLine(`${source}: ${problem}`));
    this.name = 'InputError';
    this.source = source;
    this.problem = problem;
  }
}

/**
 * The most bytes one input may hold, as read and as decompressed. JSON.parse can take many times its input's size in
 * memory, so a larger input is refused by name rather than left to exhaust the heap (see the README for the figure).
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * JSON nested deeper than this is refused before anything walks it. No supported shape comes close, and recursive
 * walks (the reader's own, JSON.stringify when a record is hashed or logged) would overflow the stack on deeper input.
 * The levels of the documents around an SQS body or a CloudTrailEvent string count too.
 */
export const MAX_JSON_DEPTH = 256;

/** The one wording of "too large" for every reader: the input, and the limit it went over. */
export function inputTooLarge(source: string, maxBytes: number, afterDecompression = false): InputError {
  return new InputError(source, tooLargeProblem(maxBytes, afterDecompression));
}

/** The problem part of that wording, for readers that name the input themselves (scan's streams). */
export function tooLargeProblem(maxBytes: number, afterDecompression = false): string {
  return `too large${afterDecompression ? ' after decompression' : ''} (over ${exactSize(maxBytes)})`;
}

const BINARY_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** A size exactly, as a limit is named: "1 GiB", "512 MiB" for whole units, else "6,358 bytes". */
export function exactSize(bytes: number): string {
  for (let unit = BINARY_UNITS.length - 1; unit >= 0; unit -= 1) {
    const size = 1024 ** (unit + 1);
    if (bytes >= size && bytes % size === 0) return `${(bytes / size).toLocaleString('en-US')} ${BINARY_UNITS[unit]}`;
  }
  return `${bytes.toLocaleString('en-US')} byte${bytes === 1 ? '' : 's'}`;
}

/**
 * Reads every supported shape and returns the CloudTrail records it holds, in input order:
 * 1. one CloudTrail record; 2. an EventBridge event (detail-type "... via CloudTrail", record under `detail`);
 * 3. a CloudTrail log file {"Records":[...]}, plain or gzip (by magic bytes); 4. `aws cloudtrail lookup-events`
 * output {"Events":[{"CloudTrailEvent": string or object}]}; 5. an SQS event whose Records[].body holds any of these;
 * 6. JSON Lines of any of these (a JSON array of them is read the same way); 7. plain text holding AWS error
 * messages, one synthetic record per message (see errorMessageRecord).
 * Text is UTF-8, or UTF-16 with a byte-order mark. Pure: the caller reads the bytes. Throws InputError for anything
 * else, for more than maxBytes (read or decompressed) and for JSON nested deeper than MAX_JSON_DEPTH.
 */
export function readRecords(input: Buffer | string, source: string, maxBytes = MAX_INPUT_BYTES): CloudTrailRecord[] {
  // A string holds at most MAX_STRING_LENGTH characters, whatever limit the caller chose.
  const limit = Math.min(maxBytes, bufferConstants.MAX_STRING_LENGTH);
  if (input.length > limit) throw inputTooLarge(source, limit);
  const textInput = typeof input === 'string' ? input : decode(input, source, limit);
  const content = textInput.charCodeAt(0) === 0xfeff ? textInput.slice(1) : textInput;
  if (!NON_WHITESPACE.test(content)) throw new InputError(source, 'empty input');

  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    return readNonJsonDocument(content, source, error);
  }
  return collectDocument(document, content, source, '');
}

const NON_WHITESPACE = /\S/;

function decode(input: Buffer, source: string, maxBytes: number): string {
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw inputTooLarge(source, maxBytes, true);
      throw new InputError(source, `corrupt or truncated gzip data (${messageOf(error)})`);
    }
  }
  // Windows PowerShell's `>` writes UTF-16 with a byte-order mark: `aws cloudtrail lookup-events > out.json`.
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.toString('utf16le', 2);
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return bytes.toString('utf8');
}

/** The records of one parsed JSON document (the input, or a line of JSON Lines) whose text is `text`. */
function collectDocument(document: unknown, text: string, source: string, where: string): CloudTrailRecord[] {
  checkNesting(text, source, where, MAX_JSON_DEPTH);
  const records: CloudTrailRecord[] = [];
  collectRecords(document, source, where, records, 1);
  return records;
}

/** Not one JSON document: JSON Lines when the first line parses on its own, else an error message in plain text. */
function readNonJsonDocument(content: string, source: string, documentError: unknown): CloudTrailRecord[] {
  const lines = nonBlankLines(content);
  const first = lines.next();
  const firstLine = first.done ? '' : content.slice(first.value.start, first.value.end).trim();
  if (!firstLine.startsWith('{') && !firstLine.startsWith('[') && !firstLine.startsWith('"')) {
    return readPlainText(content, source, documentError);
  }
  if (!parses(firstLine)) throw new InputError(source, `invalid JSON (${messageOf(documentError)})`);

  const records: CloudTrailRecord[] = [];
  for (let line = first; !line.done; line = lines.next()) {
    const text = content.slice(line.value.start, line.value.end).trim();
    try {
      for (const record of collectDocument(parseJson(text, source, ''), text, source, '')) records.push(record);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      // Line numbers are counted only for the message: counting every line break would cost more than reading.
      throw new InputError(source, `line ${lineNumberAt(content, line.value.start)}: ${error.problem}`);
    }
  }
  return records;
}

/**
 * Where each line holding more than whitespace starts and ends (before its line break), in order. Runs of blank
 * lines are skipped by one regular-expression search, not line by line.
 */
function* nonBlankLines(text: string): Generator<{ start: number; end: number }> {
  const nonWhitespace = new RegExp(NON_WHITESPACE.source, 'g');
  for (let match = nonWhitespace.exec(text); match !== null; match = nonWhitespace.exec(text)) {
    const end = lineEnd(text, match.index);
    yield { start: text.lastIndexOf('\n', match.index) + 1, end };
    nonWhitespace.lastIndex = end;
  }
}

function lineEnd(text: string, index: number): number {
  const end = text.indexOf('\n', index);
  return end === -1 ? text.length : end;
}

function lineNumberAt(text: string, index: number): number {
  let number = 1;
  for (let lineBreak = text.indexOf('\n'); lineBreak !== -1 && lineBreak < index; lineBreak = text.indexOf('\n', lineBreak + 1))
    number += 1;
  return number;
}

function parses(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/**
 * Text that does not start like JSON: pasted AWS error messages, one record per message. But text before a JSON
 * document of a supported shape (stray bytes, a prompt, a log prefix) makes invalid JSON, even though the records
 * after it hold error messages; so does text before any JSON document when there is no message to read.
 */
function readPlainText(content: string, source: string, documentError: unknown): CloudTrailRecord[] {
  const json = jsonAfterLeadingText(content);
  if (json?.kind === 'supported') throw leadingTextError(content, json.start, source);
  const records = errorMessageRecords(content);
  if (records.length > 0) return records;
  if (json?.kind === 'other') throw leadingTextError(content, json.start, source);
  if (json?.kind === 'unparsable') throw new InputError(source, `invalid JSON (${messageOf(documentError)})`);
  throw new InputError(
    source,
    'neither JSON nor JSON Lines, and holds no AWS error message ("... is not authorized to perform ..." or "An error occurred (...)")',
  );
}

// Where JSON of a supported shape can begin: an object with a key, or an array of objects or arrays.
const JSON_START = /\{\s*"|\[\s*[{[]/;

/**
 * What begins where JSON_START first matches, or null when nothing does: a JSON document (or first line of JSON
 * Lines) of a shape readRecords reads, one of another shape, or text that does not parse.
 */
function jsonAfterLeadingText(content: string): { start: number; kind: 'supported' | 'other' | 'unparsable' } | null {
  const start = content.search(JSON_START);
  if (start === -1) return null;
  for (const candidate of [content.slice(start), content.slice(start, lineEnd(content, start))]) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    try {
      collectDocument(value, candidate, '', '');
      return { start, kind: 'supported' };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { start, kind: 'other' };
    }
  }
  return { start, kind: 'unparsable' };
}

function leadingTextError(content: string, jsonStart: number, source: string): InputError {
  const textStart = byteOffset(content, content.search(NON_WHITESPACE));
  return new InputError(
    source,
    `invalid JSON at byte ${textStart} (text before the JSON that starts at byte ${byteOffset(content, jsonStart)})`,
  );
}

/** The UTF-8 byte offset of a character offset: what a hex dump or `cut -b` of a UTF-8 file shows. */
function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index));
}

/** Throws unless the JSON text nests at most `levels` levels (see nestsDeeperThan). */
function checkNesting(text: string, source: string, where: string, levels: number): void {
  if (nestsDeeperThan(text, levels)) throw new InputError(source, `${where}nested deeper than ${MAX_JSON_DEPTH} levels`);
}

/**
 * Whether the JSON text nests more than `levels` levels (an object or array is one level). One pass, constant memory,
 * and only for text that JSON.parse accepted, so every quote seen outside a string opens one.
 */
export function nestsDeeperThan(text: string, levels: number): boolean {
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index = closingQuote(text, index);
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      if (depth > levels) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return false;
}

/** The index of the quote that closes the string opened at `opening`: the next quote after an even run of backslashes. */
function closingQuote(text: string, opening: number): number {
  let index = opening;
  for (;;) {
    index = text.indexOf('"', index + 1);
    if (index === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(index - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return index;
  }
}
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const EVENTBRIDGE_CLOUDTRAIL_DETAIL = / via CloudTrail$/;

/**
 * Appends the CloudTrail records a parsed JSON value holds; `where` locates it in the input for error messages,
 * `level` is how deep it sits (the document's root is level 1, plus the levels of the documents around it).
 */
function collectRecords(value: unknown, source: string, where: string, records: CloudTrailRecord[], level: number): void {
  if (Array.isArray(value)) {
    value.forEach((element, index) => collectRecords(element, source, `${where}[${index}]: `, records, level + 1));
    return;
  }
  const object = objectValue(value);
  if (!object) throw new InputError(source, `${where}expected a JSON object, found ${describeJson(value)}`);

  if ('detail-type' in object) {
    const detailType = text(object['detail-type']) ?? '';
    const detail = objectValue(object.detail);
    if (!EVENTBRIDGE_CLOUDTRAIL_DETAIL.test(detailType) || !detail || !isCloudTrailRecord(detail)) {
      throw new InputError(
        source,
        `${where}an EventBridge event of detail-type "${truncate(detailType)}" that carries no CloudTrail record`,
      );
    }
    records.push(detail as CloudTrailRecord);
    return;
  }
  if (Array.isArray(object.Records)) {
    collectLogFileOrSqsRecords(object.Records, source, where, records, level);
    return;
  }
  if (Array.isArray(object.Events)) {
    object.Events.forEach((event: unknown, index: number) => {
      const location = `${where}Events[${index}].CloudTrailEvent`;
      const cloudTrailEvent = objectValue(event)?.CloudTrailEvent;
      // The string sits in the event object, inside the Events array, inside this object.
      const record =
        typeof cloudTrailEvent === 'string' ? parseNestedDocument(cloudTrailEvent, source, location, level + 2) : cloudTrailEvent;
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

function collectLogFileOrSqsRecords(elements: unknown[], source: string, where: string, records: CloudTrailRecord[], level: number): void {
  for (let index = 0; index < elements.length; index++) {
    const element = objectValue(elements[index]);
    const location = `${where}Records[${index}]`;
    if (element && typeof element.body === 'string' && (element.eventSource === 'aws:sqs' || 'messageId' in element)) {
      // An SQS message: its body is an EventBridge event (or any other supported shape). The body sits in the
      // message object, inside the Records array, inside this object.
      const body = parseNestedDocument(element.body, source, `${location}.body`, level + 2);
      collectRecords(body, source, `${location}.body: `, records, level + 3);
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
  const keys = Object.keys(object)
    .slice(0, 5)
    .map((key) => truncate(key, 40));
  return `JSON of an unknown shape (top-level keys: ${keys.join(', ') || 'none'}); expected a CloudTrail record, an EventBridge event, a log file {"Records":[...]}, lookup-events output {"Events":[...]} or an SQS event`;
}

/** `location` names where the JSON text sits in the input ('' for the input itself). */
function parseJson(value: string, source: string, location: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new InputError(source, `${location === '' ? '' : `${location}: `}invalid JSON (${messageOf(error)})`);
  }
}

/** A JSON document held in a string of another one, `enclosingLevels` deep: parsed and bounded like the outer one. */
function parseNestedDocument(value: string, source: string, location: string, enclosingLevels: number): unknown {
  const document = parseJson(value, source, location);
  checkNesting(value, source, `${location}: `, MAX_JSON_DEPTH - enclosingLevels);
  return document;
}

/** "64 MiB", "1 GiB", "1 KiB"; a size that is no whole number of KiB in bytes. */

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
// AWS CLI print it (optionally "(reached max retries: N)" after the operation). An error code holds no space or
// parenthesis: so each attempt ends at the next one, and a line of openings that never close is read in linear time.
const CLI_ERROR =
  /An error occurred \(([^()\s]+)\)(?: \(reached max retries: \d+\))? when calling the (\w+) operation(?: \(reached max retries: \d+\))?: (.*)$/;
// Other SDKs: "AccessDeniedException: User: arn:... is not authorized to perform: ..." or the bare message.
const SDK_ERROR = /(?:\b(\w{0,64}(?:AccessDenied|Unauthorized)\w{0,64}):\s*)?((?:User: \S+ |User )?is not authorized to perform: .*)$/;
const ERROR_LINE_LIMIT = 16_384;
const MESSAGE_ACTION = /is not authorized to perform: ([A-Za-z0-9-]+):([A-Za-z0-9*]+)/;
const MESSAGE_RESOURCE = / on resource: (\S+)/;
const MESSAGE_CALLER = /User: (\S+) is not authorized/;

// Every message form holds one of these: only the lines around them are read, however many other lines there are.
const MESSAGE_MARKER = /An error occurred \(|is not authorized to perform: /;

/** One synthetic record per line that holds an AWS error message; lines around them (tracebacks, prompts) are ignored. */
function errorMessageRecords(content: string): CloudTrailRecord[] {
  const records: CloudTrailRecord[] = [];
  const marker = new RegExp(MESSAGE_MARKER.source, 'g');
  for (let match = marker.exec(content); match !== null; match = marker.exec(content)) {
    const end = lineEnd(content, match.index);
    const record = errorMessageRecord(content.slice(content.lastIndexOf('\n', match.index) + 1, end).trim());
    if (record) records.push(record);
    marker.lastIndex = end;
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
