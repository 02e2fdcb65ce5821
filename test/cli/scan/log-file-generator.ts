import { DENIAL_ERROR_CODES } from '../../../core/diagnosis';

/**
 * Random CloudTrail log files for property tests of scan's byte prefilter: real-looking records mixed with every
 * shape the prefilter must not be fooled by (escaped keys and values, odd whitespace, nested and duplicate errorCode
 * keys, KMS messages, look-alike strings, non-ASCII text), written the way CloudTrail writes them or not.
 */

/** mulberry32: small, fast and seedable, so a failing case can be generated again from its seed. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, values: readonly T[]): T => values[Math.floor(rng() * values.length)];
const chance = (rng: Rng, p: number): boolean => rng() < p;

const ACCOUNT = '111122223333';
const OTHER_ERRORS = [
  'ThrottlingException',
  'ConditionalCheckFailedException',
  'ResourceNotFoundException',
  'ValidationException',
  'accessdenied',
  'AccessDeniedExceptionX',
  '',
];
const KMS_DENIAL_MESSAGES = [
  'KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: User: arn:aws:sts::111122223333:assumed-role/app/s is not authorized to perform: kms:Decrypt',
  'KMS key disabled error: com.amazonaws.services.kms.model.DisabledException: arn:aws:kms:us-east-1:111122223333:key/k is disabled.',
  'KMS validation error: com.amazonaws.services.kms.model.KMSInvalidStateException: arn:aws:kms:us-east-1:111122223333:key/k is pending deletion.',
];
const LOOK_ALIKE_STRINGS = [
  '"errorCode":"AccessDenied"',
  '},{"eventVersion":"1.09","errorCode":"AccessDenied"}',
  'errorCode AccessDenied',
  'KMS key access denied error',
  '\\u0041ccessDenied',
  'Zürich → 東京 😀',
  'line\nbreak\ttab',
];

/** A record as CloudTrail writes it (eventVersion first), sometimes a denial, sometimes a trap for the prefilter. */
export function randomRecord(rng: Rng, index: number): Record<string, unknown> {
  const session = `s-${index}`;
  const record: Record<string, unknown> = {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${pick(rng, ['app', 'reporting', 'ops'])}/${session}`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/app` },
        attributes: { mfaAuthenticated: 'false' },
      },
    },
    eventTime: `2026-11-20T${String(index % 24).padStart(2, '0')}:00:00Z`,
    eventSource: 'dynamodb.amazonaws.com',
    eventName: pick(rng, ['GetItem', 'PutItem', 'Query']),
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.0.0.1',
    userAgent: chance(rng, 0.2) ? pick(rng, LOOK_ALIKE_STRINGS) : 'aws-sdk-js/3.600.0',
    requestParameters: { tableName: pick(rng, ['orders', 'customers']), key: { pk: `K#${index}` } },
    responseElements: null,
    eventID: `e-${index}`,
    eventType: 'AwsApiCall',
    recipientAccountId: ACCOUNT,
  };
  const kind = rng();
  if (kind < 0.25) {
    record.errorCode = pick(rng, DENIAL_ERROR_CODES);
    record.errorMessage = `User: arn:aws:sts::${ACCOUNT}:assumed-role/app/${session} is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders because no identity-based policy allows the dynamodb:GetItem action`;
  } else if (kind < 0.35) {
    record.errorCode = pick(rng, ['ValidationException', 'AccessDenied']);
    record.errorMessage = pick(rng, KMS_DENIAL_MESSAGES);
  } else if (kind < 0.45) {
    record.errorCode = pick(rng, OTHER_ERRORS);
    record.errorMessage = pick(rng, ['KMS something else', 'Rate exceeded', 'The conditional request failed']);
  } else if (kind < 0.55) {
    // errorCode keys that are not the record's: nested in request parameters, or not a string.
    (record.requestParameters as Record<string, unknown>).errorCode = pick(rng, DENIAL_ERROR_CODES);
    if (chance(rng, 0.5)) record.errorCode = pick(rng, [null, 7, { code: 'AccessDenied' }, ['AccessDenied']]);
  }
  return record;
}

export interface WriteStyle {
  /** Probability of writing a character of a key or a string as a \uXXXX escape. */
  readonly escapes: number;
  /** Probability of whitespace between tokens (never inside `{"eventVersion":`). */
  readonly whitespace: number;
  /** Probability of repeating a record's errorCode key with another value, before or after it. */
  readonly duplicateKeys: number;
}

export const COMPACT: WriteStyle = { escapes: 0, whitespace: 0, duplicateKeys: 0 };

/** JSON text of a value, as JSON.stringify writes it but for the style's escapes, whitespace and duplicate keys. */
export function writeJson(rng: Rng, value: unknown, style: WriteStyle, first = true): string {
  const space = (): string => (chance(rng, style.whitespace) ? pick(rng, [' ', '\n', '\t', '\r\n  ', '  ']) : '');
  if (typeof value === 'string') return writeString(rng, value, style.escapes);
  if (Array.isArray(value))
    return `[${space()}${value.map((item) => writeJson(rng, item, style, false)).join(`${space()},${space()}`)}${space()}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    const keepTight = first && members.length === 0 && key === 'eventVersion';
    const write = (v: unknown): string =>
      keepTight
        ? `"eventVersion":${writeJson(rng, v, style, false)}`
        : `${writeString(rng, key, style.escapes)}${space()}:${space()}${writeJson(rng, v, style, false)}`;
    if (key === 'errorCode' && chance(rng, style.duplicateKeys)) {
      const other = pick(rng, ['ThrottlingException', 'AccessDenied', null]);
      // JSON.parse keeps the last of duplicate keys: the record's own value stays last half of the time.
      if (chance(rng, 0.5)) members.push(write(other), write(member));
      else members.push(write(member), `"errorCode":${JSON.stringify(other)}`);
      continue;
    }
    members.push(write(member));
  }
  return `{${keepFirstTight(first, value) ? '' : space()}${members.join(`${space()},${space()}`)}${space()}}`;
}

const keepFirstTight = (first: boolean, value: object): boolean => first && Object.keys(value)[0] === 'eventVersion';

function writeString(rng: Rng, text: string, escapes: number): string {
  if (escapes === 0) return JSON.stringify(text);
  let out = '"';
  for (const character of text) {
    const plain = JSON.stringify(character).slice(1, -1);
    if (chance(rng, escapes) && character.length === 1) out += `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += plain;
  }
  return `${out}"`;
}

/** A log file of `count` random records: `{"Records":[...]}` as CloudTrail writes it when the style is COMPACT. */
export function randomLogFile(seed: number, count: number, style: WriteStyle): string {
  const rng = randomSource(seed);
  const records = Array.from({ length: count }, (_, index) => writeJson(rng, randomRecord(rng, index), style));
  return `{"Records":[${records.join(',')}]}`;
}
