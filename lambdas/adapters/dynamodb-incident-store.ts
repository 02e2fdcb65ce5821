import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
// zod/mini: the same checks in a small bundle (the Lambda's cold start pays for every kilobyte of full zod).
import * as z from 'zod/mini';
import { CAUSES } from '../../core/diagnosis/types';
import type { Diagnosis } from '../../core/diagnosis/types';
import { idleSince, QUIET_REASONS } from '../../core/incidents/alert-policy';
import { AUTO_RESOLVER, OPEN_FIELDS, type StateChange, type StateFields } from '../../core/incidents/lifecycle';
import {
  INCIDENT_STATES,
  type AlertChannel,
  type AlertState,
  type ChannelDelivery,
  type ChannelStatus,
  type DeepDiagnosis,
  type Incident,
  type IncidentState,
  type Lease,
  type Occurrence,
} from '../../core/incidents/model';
import { incidentDescription, occurrenceKeyFor } from '../../core/incidents/identity';
import type { IncidentStateStore, IncidentStore, OccurrenceClaim, OccurrenceState, SettledOccurrence } from '../../core/incidents/ports';
import {
  GSI_BY_CAUSE,
  GSI_BY_PRINCIPAL,
  GSI_BY_TABLE,
  GSI_BY_TIME,
  INCIDENT_SORT_KEY,
  TTL_ATTRIBUTE,
  incidentPk,
  monthBucket,
  occurrenceSk,
} from '../../core/incidents/schema';

export interface DynamoDbIncidentStoreOptions {
  readonly tableName: string;
  readonly retentionDays: number;
}

/** The occurrence's OccurrenceState (on an incident item: its IncidentState), and the lease of the attempt working on it. */
const STATE_ATTRIBUTE = 'state';
const LEASE_ATTRIBUTE = 'lease';
/** On the incident: ids of events counted into it whose occurrence is still `counting` (a string set). */
const COUNTING_ATTRIBUTE = 'countingEventIds';

/** Item attributes that are keys, index attributes or bookkeeping rather than Incident/Occurrence fields. */
const STORAGE_ATTRIBUTES = [
  'pk',
  'sk',
  GSI_BY_TIME.partitionKey,
  GSI_BY_CAUSE.partitionKey,
  GSI_BY_PRINCIPAL.partitionKey,
  GSI_BY_TABLE.partitionKey,
  TTL_ATTRIBUTE,
  STATE_ATTRIBUTE,
  LEASE_ATTRIBUTE,
  COUNTING_ATTRIBUTE,
  // Written by versions before occurrence states; still on their items.
  'alertPending',
] as const;

/** epoch seconds `retentionDays` after an ISO time: the TTL attribute. */
export function expiresAt(isoTime: string, retentionDays: number): number {
  return Math.floor(Date.parse(isoTime) / 1000) + retentionDays * 86_400;
}

/** The GSI attributes of an incident: every index is sparse and holds incidents only. */
export function incidentIndexAttributes(
  incident: Pick<Incident, 'lastSeen' | 'cause' | 'principal' | 'tableName'>,
): Record<string, string> {
  return {
    [GSI_BY_TIME.partitionKey]: monthBucket(incident.lastSeen),
    [GSI_BY_CAUSE.partitionKey]: incident.cause,
    [GSI_BY_PRINCIPAL.partitionKey]: incident.principal,
    ...(incident.tableName ? { [GSI_BY_TABLE.partitionKey]: incident.tableName } : {}),
  };
}

/**
 * The stored item of an incident: its fields + keys + GSI attributes + TTL. `alert`/`enrichment`/`threads` are absent
 * until set, and so are the lifecycle fields of an incident no one changed (an open incident with no state written).
 */
export function incidentToItem(incident: Incident, retentionDays: number): Record<string, unknown> {
  const { alert, enrichment, threads, ...fields } = incident;
  const untouched = incident.state === 'open' && LIFECYCLE_FIELDS.every((field) => incident[field] === null);
  return {
    ...(untouched ? withoutLifecycleFields(fields) : fields),
    ...(alert === null ? {} : { alert }),
    ...(enrichment === null ? {} : { enrichment }),
    ...(Object.keys(threads).length === 0 ? {} : { threads }),
    pk: incidentPk(incident.id),
    sk: INCIDENT_SORT_KEY,
    ...incidentIndexAttributes(incident),
    [TTL_ATTRIBUTE]: expiresAt(incident.lastSeen, retentionDays),
  };
}

/** Written by state changes, mutes and the alert path; absent on incidents no one touched since they were recorded. */
const LIFECYCLE_FIELDS = [
  'acknowledgedBy',
  'acknowledgedAt',
  'resolvedAt',
  'resolvedBy',
  'stateNote',
  'mutedBy',
  'lastQuietReason',
  'lastProcessedAt',
] as const;

function withoutLifecycleFields(fields: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...fields };
  delete copy.state;
  for (const field of LIFECYCLE_FIELDS) delete copy[field];
  return copy;
}

/** An item read from the table does not have the shape this code writes (edited by hand, or another writer). */
export class MalformedItemError extends Error {
  override readonly name = 'MalformedItemError';
}

const text = z.string();
const optionalText = z.optional(z.nullable(z.string()));
const channelDelivery = z.looseObject({ status: z.enum(['pending', 'sending', 'sent', 'failed', 'skipped']), at: text });

/**
 * The fields readers use (the CLI's listings, the pipeline's alert rules), checked where items come in; the
 * remaining fields of the stored diagnosis pass through as written.
 */
const incidentItem = z.looseObject({
  id: text,
  firstSeen: text,
  lastSeen: text,
  lastEventId: text,
  accountId: text,
  region: text,
  principal: text,
  action: text,
  resource: optionalText,
  tableName: optionalText,
  cause: z.enum(CAUSES),
  count: z.number(),
  countAtLastAlert: z.optional(z.number()),
  diagnosis: z.looseObject({}),
  alert: z.optional(
    z.looseObject({
      eventId: text,
      claimedAt: text,
      sequence: z.optional(z.number()),
      channels: z.record(z.string(), channelDelivery),
    }),
  ),
  enrichment: z.optional(z.record(z.string(), z.unknown())),
  threads: z.optional(z.record(z.string(), z.string())),
  deepDiagnosis: z.optional(
    z.looseObject({ eventId: text, evaluation: z.nullable(z.looseObject({})), remediation: z.looseObject({}), confidence: text }),
  ),
  state: z.optional(z.enum(INCIDENT_STATES)),
  acknowledgedBy: optionalText,
  acknowledgedAt: optionalText,
  resolvedAt: optionalText,
  resolvedBy: optionalText,
  stateNote: optionalText,
  mutedBy: optionalText,
  lastQuietReason: z.optional(z.nullable(z.enum(QUIET_REASONS))),
  lastProcessedAt: optionalText,
});

const occurrenceItem = z.looseObject({
  incidentId: text,
  eventId: text,
  eventTime: text,
  principalArn: optionalText,
  recordedAt: text,
});

/** The item's fields as `schema` says, or a MalformedItemError naming the item's key and the first wrong field. */
function parseItem<T>(schema: z.ZodMiniType<T>, item: Record<string, unknown>): T {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join('.') || '(item)';
  throw new MalformedItemError(`incidents table item pk=${String(item.pk)} sk=${String(item.sk)}: field ${field}: ${issue.message}`);
}

/** Items written before incidents had states read as open, with no state change, mute or processing time. */
export function incidentFromItem(item: Record<string, unknown>): Incident {
  const parsed = parseItem(incidentItem, item);
  const { deepDiagnosis, ...fields } = withoutStorageAttributes(parsed);
  const incident = fields as unknown as Incident;
  return {
    ...incident,
    diagnosis: withDeepDiagnosis(incident.diagnosis, deepDiagnosis as DeepDiagnosis | undefined),
    countAtLastAlert: fields.countAtLastAlert ?? 0,
    alert: alertFromItem(fields.alert as AlertState | undefined),
    enrichment: fields.enrichment ?? null,
    threads: fields.threads ?? {},
    // The incident's state shares its attribute name with the occurrence's bookkeeping state.
    state: parsed.state ?? 'open',
    acknowledgedBy: fields.acknowledgedBy ?? null,
    acknowledgedAt: fields.acknowledgedAt ?? null,
    resolvedAt: fields.resolvedAt ?? null,
    resolvedBy: fields.resolvedBy ?? null,
    stateNote: fields.stateNote ?? null,
    mutedBy: fields.mutedBy ?? null,
    lastQuietReason: fields.lastQuietReason ?? null,
    lastProcessedAt: fields.lastProcessedAt ?? null,
  };
}

/**
 * The diagnosis as readers see it: the deep diagnosis of the last alert laid over it, unless the diagnosis carries an
 * evaluation of its own (a store given to `denyscope local`).
 */
function withDeepDiagnosis(diagnosis: Diagnosis, deep: DeepDiagnosis | undefined): Diagnosis {
  if (deep === undefined || (diagnosis.evaluation ?? null) !== null) return diagnosis;
  const { eventId: _alertEvent, ...deepened } = deep;
  return { ...diagnosis, ...deepened };
}

/**
 * The alert as readers see it: a channel's lease only while it is being sent (once its status is recorded the lease
 * is bookkeeping), and alerts claimed before alerts were numbered as number 0, so the next one is 1.
 */
function alertFromItem(alert: AlertState | undefined): AlertState | null {
  if (alert === undefined) return null;
  const channels = Object.fromEntries(
    Object.entries(alert.channels).map(([channel, delivery]) => {
      if (delivery === undefined || delivery.status === 'sending') return [channel, delivery];
      const { lease: _bookkeeping, ...recorded } = delivery;
      return [channel, recorded];
    }),
  );
  return { ...alert, sequence: Number(alert.sequence ?? 0), reopenedFrom: alert.reopenedFrom ?? null, channels };
}

export function occurrenceFromItem(item: Record<string, unknown>): Occurrence {
  const fields = withoutStorageAttributes(parseItem(occurrenceItem, item));
  return { ...fields, principalArn: fields.principalArn ?? null };
}

function withoutStorageAttributes<T extends Record<string, unknown>>(item: T): T {
  const fields: Record<string, unknown> = { ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete fields[attribute];
  return fields as T;
}

/** The condition that the incident is in `state` as read (`:readState`); items from before states are open. */
function stateIs(state: IncidentState): string {
  return state === 'open' ? '(attribute_not_exists(#state) OR #state = :readState)' : '#state = :readState';
}

/** SET assignments of the lifecycle fields (the state under #state), with their names and values. */
function stateAssignments(fields: StateFields): { names: Record<string, string>; values: Record<string, unknown>; assignments: string[] } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const assignments = Object.entries(fields).map(([field, value]) => {
    const name = field === 'state' ? '#state' : `#${field}`;
    if (field !== 'state') names[name] = field;
    values[`:${field}`] = value;
    return `${name} = :${field}`;
  });
  return { names, values, assignments };
}

/** ConditionalCheckFailed as a value: the answer of a conditional write whose condition did not hold. */
async function unlessConditionFails<T>(write: Promise<T>): Promise<T | 'condition-failed'> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'condition-failed';
    throw error;
  }
}

/**
 * The incident store on DynamoDB (and dynalite): no transactions (dynalite has none), every write conditional or
 * idempotent. See IncidentStore for the protocol and what each step costs.
 */
export class DynamoDbIncidentStore implements IncidentStore, IncidentStateStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly options: DynamoDbIncidentStoreOptions,
  ) {}

  async claimOccurrence(incidentId: string, diagnosis: Diagnosis, now: Date, lease: Lease): Promise<OccurrenceClaim> {
    // UpdateItem rather than PutItem: a claim that finds an unfinished occurrence keeps its state and lease.
    const claimed = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.occurrenceKey(incidentId, diagnosis),
          UpdateExpression:
            'SET incidentId = :incidentId, eventId = :eventId, eventTime = :eventTime, principalArn = :principalArn, ' +
            'recordedAt = if_not_exists(recordedAt, :now), #ttl = :expiresAt, ' +
            '#state = if_not_exists(#state, :counting), #lease = if_not_exists(#lease, :lease)',
          // Only a delivery of the record that claimed an unfinished occurrence resumes it: another copy of the same
          // call (same sharedEventID, another eventID) is a duplicate, and the claiming record's redelivery finishes it.
          ConditionExpression: 'attribute_not_exists(pk) OR (#state IN (:counting, :alerting) AND eventId = :eventId)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#state': STATE_ATTRIBUTE, '#lease': LEASE_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':incidentId': incidentId,
            ':eventId': diagnosis.eventId,
            ':eventTime': diagnosis.eventTime,
            ':principalArn': diagnosis.principalArn,
            ':now': now.toISOString(),
            ':expiresAt': expiresAt(diagnosis.eventTime || now.toISOString(), this.options.retentionDays),
            ':counting': 'counting' satisfies OccurrenceState,
            ':alerting': 'alerting' satisfies OccurrenceState,
            ':lease': lease,
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (claimed === 'condition-failed') return { kind: 'duplicate' };
    const previous = claimed.Attributes;
    if (previous === undefined) return { kind: 'new' };
    return {
      kind: 'unfinished',
      state: previous[STATE_ATTRIBUTE] as Exclude<OccurrenceState, 'done'>,
      lease: (previous[LEASE_ATTRIBUTE] as Lease | undefined) ?? null,
    };
  }

  async takeOverOccurrence(incidentId: string, diagnosis: Diagnosis, previousOwner: string | null, lease: Lease): Promise<boolean> {
    const fromPrevious = previousOwner === null ? 'attribute_not_exists(#lease)' : '#lease.#owner = :previous';
    const taken = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.occurrenceKey(incidentId, diagnosis),
          UpdateExpression: 'SET #lease = :lease',
          // Or already ours: the same write retried after its answer was lost.
          ConditionExpression: `#state IN (:counting, :alerting) AND (${fromPrevious} OR #lease.#owner = :owner)`,
          ExpressionAttributeNames: { '#state': STATE_ATTRIBUTE, '#lease': LEASE_ATTRIBUTE, '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':lease': lease,
            ':owner': lease.owner,
            ':counting': 'counting' satisfies OccurrenceState,
            ':alerting': 'alerting' satisfies OccurrenceState,
            ...(previousOwner === null ? {} : { ':previous': previousOwner }),
          },
        }),
      ),
    );
    return taken !== 'condition-failed';
  }

  async recordOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<Incident> {
    let incident = await unlessConditionFails(this.recordLatestOccurrence(incidentId, diagnosis));
    // The condition failed: the event is older than lastSeen, or an earlier attempt already counted it.
    if (incident === 'condition-failed') incident = await unlessConditionFails(this.recordEarlierOccurrence(incidentId, diagnosis));
    if (incident === 'condition-failed') incident = await this.countedIncident(incidentId);
    return this.withFirstSeenAtMost(incident, diagnosis);
  }

  /** The common case, one write: the event is the newest, so it sets lastSeen, the diagnosis and the indexes. */
  private async recordLatestOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<Incident> {
    const descriptive = {
      id: incidentId,
      ...incidentDescription(diagnosis),
      lastSeen: diagnosis.eventTime,
      lastEventId: diagnosis.eventId,
      diagnosis,
      ...incidentIndexAttributes({
        lastSeen: diagnosis.eventTime,
        cause: diagnosis.cause,
        principal: diagnosis.principal,
        tableName: diagnosis.tableName,
      }),
      [TTL_ATTRIBUTE]: expiresAt(diagnosis.eventTime, this.options.retentionDays),
    };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':one': 1,
      ':zero': 0,
      ':eventTime': diagnosis.eventTime,
      ...this.countingValues(diagnosis.eventId),
    };
    const assignments = Object.entries(descriptive).map(([attribute, value], index) => {
      names[`#a${index}`] = attribute;
      values[`:a${index}`] = value;
      return `#a${index} = :a${index}`;
    });
    const { Attributes } = await this.documents.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.incidentKey(incidentId),
        UpdateExpression:
          `SET ${assignments.join(', ')}, firstSeen = if_not_exists(firstSeen, :eventTime), ` +
          'countAtLastAlert = if_not_exists(countAtLastAlert, :zero) ADD #count :one, #counting :eventIds',
        ConditionExpression: '(attribute_not_exists(lastSeen) OR lastSeen <= :eventTime) AND NOT contains(#counting, :eventId)',
        ExpressionAttributeNames: { ...names, '#count': 'count', '#counting': COUNTING_ATTRIBUTE },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return incidentFromItem(Attributes ?? {});
  }

  /** Out of order: an event older than lastSeen only counts (and may move firstSeen back). */
  private async recordEarlierOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<Incident> {
    const { Attributes } = await this.documents.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.incidentKey(incidentId),
        UpdateExpression: 'ADD #count :one, #counting :eventIds',
        ConditionExpression: 'attribute_exists(lastSeen) AND NOT contains(#counting, :eventId)',
        ExpressionAttributeNames: { '#count': 'count', '#counting': COUNTING_ATTRIBUTE },
        ExpressionAttributeValues: { ':one': 1, ...this.countingValues(diagnosis.eventId) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return incidentFromItem(Attributes ?? {});
  }

  /** An earlier attempt counted the event (its id is still in the counting set): the incident as it is now. */
  private async countedIncident(incidentId: string): Promise<Incident> {
    const incident = await this.getIncident(incidentId);
    if (incident === null) throw new Error(`incident ${incidentId} was deleted while an event was being counted into it`);
    return incident;
  }

  /** Update expressions have no min(): moving firstSeen back is a conditional write, only for the oldest events. */
  private async withFirstSeenAtMost(incident: Incident, diagnosis: Diagnosis): Promise<Incident> {
    if (diagnosis.eventTime >= incident.firstSeen) return incident;
    const moved = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incident.id),
          UpdateExpression: 'SET firstSeen = :eventTime',
          ConditionExpression: 'firstSeen > :eventTime',
          ExpressionAttributeValues: { ':eventTime': diagnosis.eventTime },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return moved === 'condition-failed' || moved.Attributes === undefined ? incident : incidentFromItem(moved.Attributes);
  }

  async markAlerting(incidentId: string, diagnosis: Diagnosis, owner: string): Promise<boolean> {
    const marked = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.occurrenceKey(incidentId, diagnosis),
          UpdateExpression: 'SET #state = :alerting',
          ConditionExpression: '#lease.#owner = :owner',
          ExpressionAttributeNames: { '#state': STATE_ATTRIBUTE, '#lease': LEASE_ATTRIBUTE, '#owner': 'owner' },
          ExpressionAttributeValues: { ':alerting': 'alerting' satisfies OccurrenceState, ':owner': owner },
        }),
      ),
    );
    return marked !== 'condition-failed';
  }

  async finishOccurrence(incidentId: string, diagnosis: Diagnosis, owner: string): Promise<void> {
    await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.occurrenceKey(incidentId, diagnosis),
          UpdateExpression: 'SET #state = :done REMOVE #lease',
          // Or already done: the same write retried after its answer was lost.
          ConditionExpression: '#lease.#owner = :owner OR #state = :done',
          ExpressionAttributeNames: { '#state': STATE_ATTRIBUTE, '#lease': LEASE_ATTRIBUTE, '#owner': 'owner' },
          ExpressionAttributeValues: { ':done': 'done' satisfies OccurrenceState, ':owner': owner },
        }),
      ),
    );
  }

  async releaseOccurrence(incidentId: string, diagnosis: Diagnosis, owner: string): Promise<void> {
    await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.occurrenceKey(incidentId, diagnosis),
          UpdateExpression: 'REMOVE #lease',
          ConditionExpression: '#lease.#owner = :owner',
          ExpressionAttributeNames: { '#lease': LEASE_ATTRIBUTE, '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  async forgetCounting(incidentId: string, eventId: string, settled: SettledOccurrence): Promise<void> {
    await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incidentId),
          UpdateExpression:
            'SET lastProcessedAt = :processedAt, mutedBy = :mutedBy, lastQuietReason = :quietReason DELETE #counting :eventIds',
          // An update creates a missing item: never resurrect an incident deleted by hand as a bare key.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#counting': COUNTING_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':eventIds': new Set([eventId]),
            ':processedAt': settled.processedAt,
            ':mutedBy': settled.mutedBy,
            ':quietReason': settled.quietReason,
          },
        }),
      ),
    );
  }

  async claimAlert(
    incident: Incident,
    eventId: string,
    channels: readonly AlertChannel[],
    now: Date,
    lease: Lease,
    reopenedFrom: string | null,
  ): Promise<Incident | null> {
    const at = now.toISOString();
    const alert: AlertState = {
      eventId,
      sequence: (incident.alert?.sequence ?? 0) + 1,
      claimedAt: at,
      occurrencesSincePreviousAlert: incident.count - incident.countAtLastAlert,
      reopenedFrom,
      channels: Object.fromEntries(
        channels.map((channel, index): [AlertChannel, ChannelDelivery] => [
          channel,
          index === 0 ? { status: 'sending', at, lease } : { status: 'pending', at },
        ]),
      ),
    };
    const previous = incident.alert;
    // A reopening alert opens the incident again, in the same write.
    const reopening = reopenedFrom === null ? { names: {}, values: {}, assignments: [] } : stateAssignments(OPEN_FIELDS);
    const claimed = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incident.id),
          UpdateExpression:
            [
              'SET alert = :alert, countAtLastAlert = :count, lastProcessedAt = :at, mutedBy = :null, lastQuietReason = :null',
              ...reopening.assignments,
            ].join(', ') + ' DELETE #counting :eventIds',
          // Compare-and-set on the alert and the state the caller saw: no other event claimed one, no one changed the state.
          ConditionExpression: `${
            previous === null
              ? 'attribute_exists(pk) AND attribute_not_exists(alert)'
              : 'alert.claimedAt = :previousClaimedAt AND alert.eventId = :previousEventId'
          } AND ${stateIs(incident.state)}`,
          ExpressionAttributeNames: { '#counting': COUNTING_ATTRIBUTE, '#state': STATE_ATTRIBUTE, ...reopening.names },
          ExpressionAttributeValues: {
            ':alert': alert,
            ':count': incident.count,
            ':eventIds': new Set([eventId]),
            ':at': at,
            ':null': null,
            ':readState': incident.state,
            ...reopening.values,
            ...(previous === null ? {} : { ':previousClaimedAt': previous.claimedAt, ':previousEventId': previous.eventId }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (claimed !== 'condition-failed') return incidentFromItem(claimed.Attributes ?? {});
    // Claimed since: by this event (an earlier attempt, or this write retried after its answer was lost), or another.
    const current = await this.getIncident(incident.id);
    return current?.alert?.eventId === eventId ? current : null;
  }

  async leaseChannel(
    incidentId: string,
    eventId: string,
    channel: AlertChannel,
    sending: ChannelDelivery,
    expiredOwner: string | null,
  ): Promise<boolean> {
    const owner = sending.lease?.owner;
    if (owner === undefined) throw new Error('a channel is leased by an attempt: the sending status needs its lease');
    const owners = expiredOwner === null ? ':owner' : ':owner, :expiredOwner';
    const leased = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incidentId),
          UpdateExpression: 'SET alert.channels.#channel = :sending',
          ConditionExpression:
            'alert.eventId = :eventId AND (attribute_not_exists(alert.channels.#channel) OR alert.channels.#channel.#status IN (:pending, :failed) ' +
            `OR (alert.channels.#channel.#status = :sendingStatus AND alert.channels.#channel.#lease.#owner IN (${owners})))`,
          ExpressionAttributeNames: { '#channel': channel, '#status': 'status', '#lease': LEASE_ATTRIBUTE, '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':sending': sending,
            ':eventId': eventId,
            ':pending': 'pending' satisfies ChannelStatus,
            ':failed': 'failed' satisfies ChannelStatus,
            ':sendingStatus': 'sending' satisfies ChannelStatus,
            ':owner': owner,
            ...(expiredOwner === null ? {} : { ':expiredOwner': expiredOwner }),
          },
        }),
      ),
    );
    return leased !== 'condition-failed';
  }

  async setChannelDelivery(incidentId: string, eventId: string, channel: AlertChannel, delivery: ChannelDelivery): Promise<boolean> {
    const owner = delivery.lease?.owner;
    if (owner === undefined) throw new Error('a channel status is written by the holder of its lease: the delivery needs its lease');
    const recorded = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incidentId),
          UpdateExpression: 'SET alert.channels.#channel = :delivery',
          // The delivery keeps the lease, so the same write retried after its answer was lost still holds.
          ConditionExpression: 'alert.eventId = :eventId AND alert.channels.#channel.#lease.#owner = :owner',
          ExpressionAttributeNames: { '#channel': channel, '#lease': LEASE_ATTRIBUTE, '#owner': 'owner' },
          ExpressionAttributeValues: { ':delivery': delivery, ':eventId': eventId, ':owner': owner },
        }),
      ),
    );
    return recorded !== 'condition-failed';
  }

  async setEnrichment(incidentId: string, enrichment: Record<string, unknown>, deep: DeepDiagnosis | null): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.incidentKey(incidentId),
        UpdateExpression: deep === null ? 'SET enrichment = :enrichment' : 'SET enrichment = :enrichment, deepDiagnosis = :deep',
        ExpressionAttributeValues: { ':enrichment': enrichment, ...(deep === null ? {} : { ':deep': deep }) },
      }),
    );
  }

  async recordThread(incidentId: string, channel: AlertChannel, reference: string): Promise<boolean> {
    // A map's member can only be set once the map exists: the incident's first thread writes the whole map.
    const first = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incidentId),
          UpdateExpression: 'SET threads = :threads',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(threads)',
          ExpressionAttributeValues: { ':threads': { [channel]: reference } },
        }),
      ),
    );
    if (first !== 'condition-failed') return true;
    const added = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incidentId),
          UpdateExpression: 'SET threads.#channel = :reference',
          ConditionExpression: 'attribute_exists(threads) AND attribute_not_exists(threads.#channel)',
          ExpressionAttributeNames: { '#channel': channel },
          ExpressionAttributeValues: { ':reference': reference },
        }),
      ),
    );
    return added !== 'condition-failed';
  }

  async changeState(incidentId: string, change: StateChange): Promise<Incident | null> {
    return this.writeState(incidentId, change.to, stateIs(change.from), { ':readState': change.from });
  }

  async resolveIdle(incident: Incident, now: Date, autoResolveDays: number): Promise<Incident | null> {
    const resolvedAt = idleSince(incident, now, autoResolveDays);
    if (resolvedAt === null) return null;
    // Still idle as read: no occurrence settled and no state change since.
    const stillIdle =
      incident.lastProcessedAt === null
        ? 'attribute_not_exists(lastProcessedAt) AND lastSeen = :readLastSeen'
        : 'lastProcessedAt = :readLastProcessedAt';
    return this.writeState(
      incident.id,
      { ...OPEN_FIELDS, state: 'resolved', resolvedAt, resolvedBy: AUTO_RESOLVER },
      `${stateIs(incident.state)} AND ${stillIdle}`,
      {
        ':readState': incident.state,
        ...(incident.lastProcessedAt === null
          ? { ':readLastSeen': incident.lastSeen }
          : { ':readLastProcessedAt': incident.lastProcessedAt }),
      },
    );
  }

  /** One conditional write of the lifecycle fields; null when the condition does not hold. */
  private async writeState(
    incidentId: string,
    fields: StateFields,
    condition: string,
    conditionValues: Record<string, unknown>,
  ): Promise<Incident | null> {
    const { names, values, assignments } = stateAssignments(fields);
    const written = await unlessConditionFails(
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incidentId),
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND ${condition}`,
          ExpressionAttributeNames: { '#state': STATE_ATTRIBUTE, ...names },
          ExpressionAttributeValues: { ...values, ...conditionValues },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return written === 'condition-failed' ? null : incidentFromItem(written.Attributes ?? {});
  }

  async getIncident(incidentId: string): Promise<Incident | null> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.options.tableName, Key: this.incidentKey(incidentId), ConsistentRead: true }),
    );
    return Item ? incidentFromItem(Item) : null;
  }

  private countingValues(eventId: string): Record<string, unknown> {
    return { ':eventId': eventId, ':eventIds': new Set([eventId]) };
  }

  private incidentKey(incidentId: string): Record<string, string> {
    return { pk: incidentPk(incidentId), sk: INCIDENT_SORT_KEY };
  }

  private occurrenceKey(incidentId: string, diagnosis: Pick<Diagnosis, 'eventTime' | 'eventId' | 'sharedEventId'>): Record<string, string> {
    return { pk: incidentPk(incidentId), sk: occurrenceSk(diagnosis.eventTime, occurrenceKeyFor(diagnosis)) };
  }
}
