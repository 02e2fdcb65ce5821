import { diagnose, readRecords, type Diagnosis } from '../../core/diagnosis';
import { incidentDescription, incidentIdFor } from '../../core/incidents/identity';
import { OPEN_FIELDS } from '../../core/incidents/lifecycle';
import type { AlertState, Incident } from '../../core/incidents/model';
import type { Evaluation } from '../../core/policy/types';
import { denialEvent, type DenialEventOptions } from './denial-events';

/** The diagnosis core's verdict on a test event. */
export function diagnosisOf(options: DenialEventOptions = {}): Diagnosis {
  const diagnosis = diagnose(readRecords(JSON.stringify(denialEvent(options)), 'test event')[0]);
  if (diagnosis === null) throw new Error('test event is not a denial');
  return diagnosis;
}

/** An incident as the store returns it after its first alert was claimed. */
export function incidentOf(diagnosis: Diagnosis, overrides: Partial<Incident> = {}): Incident {
  const alert: AlertState = {
    eventId: diagnosis.eventId,
    sequence: 1,
    claimedAt: '2026-11-20T10:00:00.000Z',
    occurrencesSincePreviousAlert: 1,
    reopenedFrom: null,
    channels: {},
  };
  return {
    id: incidentIdFor(diagnosis),
    ...incidentDescription(diagnosis),
    firstSeen: diagnosis.eventTime,
    lastSeen: diagnosis.eventTime,
    count: 1,
    countAtLastAlert: 1,
    lastEventId: diagnosis.eventId,
    diagnosis,
    alert,
    enrichment: null,
    threads: {},
    ...OPEN_FIELDS,
    mutedBy: null,
    lastQuietReason: null,
    lastProcessedAt: null,
    ...overrides,
  };
}

/** Strings an attacker can place in event fields (role session names, table names, request parameters). */
export const INJECTION =
  '<!channel> <!here> <!everyone> <@U123> <https://evil.example|click> & \u001b[31mred\u001b[0m\r\nforged line ```code``` \u0007';

/** Every string of the diagnosis (and so of the incident) with the injection payload appended. */
export function poisoned<T>(value: T): T {
  if (typeof value === 'string') return `${value}${INJECTION}` as T;
  if (Array.isArray(value)) return value.map((item) => poisoned(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, poisoned(item)])) as T;
  }
  return value;
}

export function poisonedIncident(): Incident {
  const diagnosis = poisoned(diagnosisOf({ reason: 'because no identity-based policy allows the dynamodb:PutItem action' }));
  return incidentOf(diagnosis, {
    count: 1001,
    countAtLastAlert: 1001,
    alert: {
      eventId: diagnosis.eventId,
      sequence: 2,
      claimedAt: '2026-11-20T10:00:00.000Z',
      occurrencesSincePreviousAlert: 1000,
      reopenedFrom: null,
      channels: {},
    },
  });
}

/**
 * An incident whose alert carries a deep-diagnosis evaluation: an explicit deny by a statement whose Sid and condition
 * value carry what Slack and a terminal must not act on (a mention, a backtick, a code fence, a bidi override).
 */
export const HOSTILE_SID = 'Deny`<!channel>```\u202E';
export function evaluatedIncident(): Incident {
  const diagnosis = diagnosisOf({
    reason: 'with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/deny-puts',
  });
  const statement = {
    Sid: HOSTILE_SID,
    Effect: 'Deny',
    Action: 'dynamodb:PutItem',
    Resource: '*',
    Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-0abc' } },
  };
  const evaluation: Evaluation & { readonly source: string } = {
    decision: 'explicit-deny',
    deniedBy: [
      {
        policyType: 'identity-policy',
        policyArn: 'arn:aws:iam::111122223333:policy/deny-puts',
        policyName: 'deny-puts',
        target: null,
        sid: HOSTILE_SID,
        statementIndex: 0,
        statement,
        conditions: [{ operator: 'StringEquals', key: 'aws:SourceVpc', values: ['vpc-0abc'], actual: ['vpc-0abc'], result: true }],
      },
    ],
    missingAllow: [],
    unresolvedKeys: [],
    missingPolicies: ['principal boundary of arn:aws:iam::111122223333:role/orders-api: timed out'],
    agreesWithMessage: true,
    source: 'fetched',
  };
  return incidentOf({ ...diagnosis, evaluation });
}
