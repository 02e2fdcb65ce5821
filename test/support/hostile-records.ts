import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnose, type CloudTrailRecord, type Diagnosis } from '../../core/diagnosis';

/**
 * Hostile CloudTrail records built from the bundled samples: an attacker chooses a role or session name, a table
 * name, request parameters, and whatever text ends up in a message; these put such text into every value of a
 * real record that can reach an output, so the renderers are tested on what diagnose() really makes of them.
 */

/** Payloads that try to end a line, a comment, a quote, a code span or a block, or to run something. */
export const PAYLOADS: Readonly<Record<string, string>> = {
  newlineCommand: '\ntouch pwned #',
  carriageReturn: '\rtouch pwned\r\n#',
  singleQuote: "';touch pwned;'",
  doubleQuote: '";touch pwned;"',
  backtick: '`touch pwned`',
  codeFence: '```\n```touch pwned',
  codeFenceOneLine: '```;touch pwned;```',
  commandSubstitution: '$(touch pwned)',
  parameterExpansion: '${HOME:+$(touch pwned)}${IFS}',
  separators: ';touch pwned|touch pwned2&&touch pwned3 # ',
  historyExpansion: '!!;!-1!$',
  bidi: '\u202Etouch pwned\u202C\u2066\u2067\u2068\u2069\u200E\u200F\u061C\u202A\u202B\u202D',
  lineSeparators: '\u2028touch pwned\u2029\u0085x',
  controls: '\u0000\u0001\u0007\u0008\u000b\u000c\u001b[2J\u001b]0;title\u0007\u007f\u0080\u009b31m\u009f\t',
  forgedStep: '\n2. Run touch pwned\n3. ',
  slackMarkup: '<!channel> <@U123> <https://evil.example|click> &amp; *bold* _it_ ~s~ > quote',
  long: `${'L'.repeat(1_500)}';touch pwned;'`,
};

/** Every payload at once. */
export const COMBINED_PAYLOAD = Object.values(PAYLOADS).join('');

export interface HostileRecord {
  /** sample/field/payload, for failure messages. */
  readonly name: string;
  readonly record: CloudTrailRecord;
  readonly diagnosis: Diagnosis;
}

const SAMPLES_DIR = path.resolve(__dirname, '..', '..', 'cli', 'samples', 'events');

/** The denials among the bundled samples (their CloudTrail records), plus an EC2 denial with an encoded message. */
export function denialSamples(): Array<{ name: string; record: CloudTrailRecord }> {
  const samples = fs
    .readdirSync(SAMPLES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      record: (JSON.parse(fs.readFileSync(path.join(SAMPLES_DIR, file), 'utf8')) as { detail: CloudTrailRecord }).detail,
    }))
    .filter((sample) => diagnose(sample.record) !== null);
  const implicit = samples.find((sample) => sample.name === 'identity-policy-implicit');
  if (implicit) {
    const record = structuredClone(implicit.record);
    record.errorMessage = `You are not authorized to perform this operation. ${String(record.errorMessage)}. Encoded authorization failure message: Zm9vYmFyLWVuY29kZWQtbWVzc2FnZQ`;
    samples.push({ name: 'encoded-authorization-message', record });
  }
  return samples;
}

/**
 * The values of a record an attacker chooses or influences, by name: each occurs in several places (a session
 * name is in the caller ARN, the principal id and the message), and is poisoned everywhere it occurs.
 */
export function fieldValues(record: CloudTrailRecord): Record<string, string> {
  const identity = (record.userIdentity ?? {}) as Record<string, unknown>;
  const issuer = ((identity.sessionContext as Record<string, unknown> | undefined)?.sessionIssuer ?? {}) as Record<string, unknown>;
  const callerArn = typeof identity.arn === 'string' ? identity.arn : '';
  const message = typeof record.errorMessage === 'string' ? record.errorMessage : '';
  const fields: Record<string, string | undefined> = {
    sessionName: /assumed-role\/[^/]+\/(.+)$/.exec(callerArn)?.[1],
    roleName: typeof issuer.userName === 'string' ? issuer.userName : /assumed-role\/([^/]+)\//.exec(callerArn)?.[1],
    userName: /:user\/(.+)$/.exec(callerArn)?.[1],
    principalArn: callerArn || undefined,
    callerAccount: typeof identity.accountId === 'string' ? identity.accountId : undefined,
    recipientAccount: typeof record.recipientAccountId === 'string' ? record.recipientAccountId : undefined,
    region: typeof record.awsRegion === 'string' ? record.awsRegion : undefined,
    tableName: /:table\/([^/\s]+)/.exec(JSON.stringify(record))?.[1],
    resource: /on resource: (\S+)/.exec(message)?.[1] ?? (record.resources as Array<{ ARN?: string }> | undefined)?.[0]?.ARN,
    keyId: /:key\/([0-9a-f-]+)/.exec(JSON.stringify(record))?.[1],
    vpcEndpointId: typeof record.vpcEndpointId === 'string' ? record.vpcEndpointId : undefined,
    policyArn: /deny in [^:]*: (arn:\S+)/.exec(message)?.[1],
    encodedMessage: /Encoded authorization failure message: (\S+)/.exec(message)?.[1],
    errorMessage: message || undefined,
    eventId: typeof record.eventID === 'string' ? record.eventID : undefined,
    eventName: typeof record.eventName === 'string' ? record.eventName : undefined,
    eventSource: typeof record.eventSource === 'string' ? record.eventSource : undefined,
    eventTime: typeof record.eventTime === 'string' ? record.eventTime : undefined,
    sourceIp: typeof record.sourceIPAddress === 'string' ? record.sourceIPAddress : undefined,
    userAgent: typeof record.userAgent === 'string' ? record.userAgent : undefined,
  };
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/** The record with `payload` placed after every occurrence of `value`, in every string and key but errorCode (so it stays a denial). */
export function poison(record: CloudTrailRecord, value: string, payload: string): CloudTrailRecord {
  const replace = (text: string): string => text.split(value).join(`${value}${payload}`);
  const walk = (node: unknown, key?: string): unknown => {
    if (typeof node === 'string') return key === 'errorCode' ? node : replace(node);
    if (Array.isArray(node)) return node.map((item) => walk(item));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node).map(([name, item]) => [name === 'errorCode' ? name : replace(name), walk(item, name)]),
      );
    }
    return node;
  };
  return walk(record) as CloudTrailRecord;
}

/** Each sample gets one payload in this many in all of its fields at once. */
const EVERY_FIELD_SHARE = 3;

/**
 * Every payload in every field: each (field, payload) pair once, on samples taken in turn among those that have
 * the field; and every sample with payloads in all of its fields at once: the combined payload, and a share of
 * the others, taken in turn so that each payload meets several causes.
 */
export function hostileRecords(): HostileRecord[] {
  const samples = denialSamples();
  const payloads = Object.entries(PAYLOADS);
  const made: HostileRecord[] = [];
  const add = (name: string, record: CloudTrailRecord): void => {
    const diagnosis = diagnose(record);
    // errorCode is never poisoned, so every variant of a denial is still one.
    if (diagnosis === null) throw new Error(`${name} is no longer a denial`);
    made.push({ name, record, diagnosis });
  };
  const fieldNames = [...new Set(samples.flatMap((sample) => Object.keys(fieldValues(sample.record))))];
  fieldNames.forEach((field, fieldIndex) => {
    const having = samples.filter((sample) => field in fieldValues(sample.record));
    payloads.forEach(([payloadName, payload], payloadIndex) => {
      const sample = having[(fieldIndex + payloadIndex) % having.length];
      add(`${sample.name}/${field}/${payloadName}`, poison(sample.record, fieldValues(sample.record)[field], payload));
    });
  });
  samples.forEach((sample, sampleIndex) => {
    const share = payloads.filter((_, payloadIndex) => payloadIndex % EVERY_FIELD_SHARE === sampleIndex % EVERY_FIELD_SHARE);
    for (const [payloadName, payload] of [...share, ['combined', COMBINED_PAYLOAD] as const]) {
      // Longest values first, so a value inside another (the role name in the caller ARN) is poisoned in both.
      const values = [...new Set(Object.values(fieldValues(sample.record)))].sort((a, b) => b.length - a.length);
      let record = sample.record;
      for (const value of values) record = poison(record, value, payload);
      add(`${sample.name}/every-field/${payloadName}`, record);
    }
  });
  return made;
}
