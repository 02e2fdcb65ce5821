import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Diagnosis } from '../../core/diagnosis/types';
import type { AlertChannel, AlertState, ChannelDelivery, Incident, Occurrence } from '../../core/incidents/model';
import { incidentDescription } from '../../core/incidents/identity';
import type { IncidentStore, OccurrenceClaim } from '../../core/incidents/ports';
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

/** Item attributes that are keys or index attributes rather than Incident/Occurrence fields. */
const STORAGE_ATTRIBUTES = [
  'pk',
  'sk',
  GSI_BY_TIME.partitionKey,
  GSI_BY_CAUSE.partitionKey,
  GSI_BY_PRINCIPAL.partitionKey,
  GSI_BY_TABLE.partitionKey,
  TTL_ATTRIBUTE,
  'alertPending',
] as const;

/** epoch seconds `retentionDays` after an ISO time: the TTL attribute. */
export function expiresAt(isoTime: string, retentionDays: number): number {
  return Math.floor(Date.parse(isoTime) / 1000) + retentionDays * 86_400;
}

/** The GSI attributes of an incident: every index is sparse and holds incidents only. */
export function incidentIndexAttributes(incident: Pick<Incident, 'lastSeen' | 'cause' | 'principal' | 'tableName'>): Record<string, string> {
  return {
    [GSI_BY_TIME.partitionKey]: monthBucket(incident.lastSeen),
    [GSI_BY_CAUSE.partitionKey]: incident.cause,
    [GSI_BY_PRINCIPAL.partitionKey]: incident.principal,
    ...(incident.tableName ? { [GSI_BY_TABLE.partitionKey]: incident.tableName } : {}),
  };
}

/** The stored item of an incident: its fields + keys + GSI attributes + TTL. `alert`/`enrichment` are absent until set. */
export function incidentToItem(incident: Incident, retentionDays: number): Record<string, unknown> {
  const { alert, enrichment, ...fields } = incident;
  return {
    ...fields,
    ...(alert === null ? {} : { alert }),
    ...(enrichment === null ? {} : { enrichment }),
    pk: incidentPk(incident.id),
    sk: INCIDENT_SORT_KEY,
    ...incidentIndexAttributes(incident),
    [TTL_ATTRIBUTE]: expiresAt(incident.lastSeen, retentionDays),
  };
}

export function incidentFromItem(item: Record<string, unknown>): Incident {
  const fields = withoutStorageAttributes(item);
  return {
    ...(fields as unknown as Incident),
    countAtLastAlert: Number(fields.countAtLastAlert ?? 0),
    count: Number(fields.count),
    alert: (fields.alert as AlertState | undefined) ?? null,
    enrichment: (fields.enrichment as Record<string, unknown> | undefined) ?? null,
  };
}

export function occurrenceFromItem(item: Record<string, unknown>): Occurrence {
  return withoutStorageAttributes(item) as unknown as Occurrence;
}

function withoutStorageAttributes(item: Record<string, unknown>): Record<string, unknown> {
  const fields = { ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete fields[attribute];
  return fields;
}

/**
 * The incident store on DynamoDB (and dynalite): one call per method, no transactions (dynalite has none).
 * See IncidentStore for what each step costs.
 */
export class DynamoDbIncidentStore implements IncidentStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly options: DynamoDbIncidentStoreOptions,
  ) {}

  async claimOccurrence(incidentId: string, diagnosis: Diagnosis, now: Date): Promise<OccurrenceClaim> {
    try {
      // UpdateItem rather than PutItem: a retry that resumes an alert must keep the alertPending flag.
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.occurrenceKey(incidentId, diagnosis),
          UpdateExpression:
            'SET incidentId = :incidentId, eventId = :eventId, eventTime = :eventTime, principalArn = :principalArn, ' +
            'recordedAt = if_not_exists(recordedAt, :now), #ttl = :expiresAt',
          ConditionExpression: 'attribute_not_exists(pk) OR alertPending = :true',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':incidentId': incidentId,
            ':eventId': diagnosis.eventId,
            ':eventTime': diagnosis.eventTime,
            ':principalArn': diagnosis.principalArn,
            ':now': now.toISOString(),
            ':expiresAt': expiresAt(diagnosis.eventTime || now.toISOString(), this.options.retentionDays),
            ':true': true,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes?.alertPending === true ? 'alert-pending' : 'new';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async releaseOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.options.tableName, Key: this.occurrenceKey(incidentId, diagnosis) }));
  }

  async recordOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<Incident> {
    try {
      return await this.recordLatestOccurrence(incidentId, diagnosis);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Out of order: an event older than lastSeen only counts (and may move firstSeen back).
      return this.recordEarlierOccurrence(incidentId, diagnosis);
    }
  }

  /** The common case, one write: the event is the newest, so it sets lastSeen, the diagnosis and the indexes. */
  private async recordLatestOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<Incident> {
    const descriptive = {
      id: incidentId,
      ...incidentDescription(diagnosis),
      lastSeen: diagnosis.eventTime,
      lastEventId: diagnosis.eventId,
      diagnosis,
      ...incidentIndexAttributes({ lastSeen: diagnosis.eventTime, cause: diagnosis.cause, principal: diagnosis.principal, tableName: diagnosis.tableName }),
      [TTL_ATTRIBUTE]: expiresAt(diagnosis.eventTime, this.options.retentionDays),
    };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':one': 1, ':zero': 0, ':eventTime': diagnosis.eventTime };
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
          'countAtLastAlert = if_not_exists(countAtLastAlert, :zero) ADD #count :one',
        ConditionExpression: 'attribute_not_exists(lastSeen) OR lastSeen <= :eventTime',
        ExpressionAttributeNames: { ...names, '#count': 'count' },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return incidentFromItem(Attributes ?? {});
  }

  private async recordEarlierOccurrence(incidentId: string, diagnosis: Diagnosis): Promise<Incident> {
    const { Attributes } = await this.documents.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.incidentKey(incidentId),
        UpdateExpression: 'ADD #count :one',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const incident = incidentFromItem(Attributes ?? {});
    // Update expressions have no min(): moving firstSeen back is a second, conditional write, only for the oldest events.
    if (diagnosis.eventTime >= incident.firstSeen) return incident;
    const moved = await this.documents.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.incidentKey(incidentId),
        UpdateExpression: 'SET firstSeen = :eventTime',
        ConditionExpression: 'firstSeen > :eventTime',
        ExpressionAttributeValues: { ':eventTime': diagnosis.eventTime },
        ReturnValues: 'ALL_NEW',
      }),
    ).catch((error: unknown) => {
      if (error instanceof ConditionalCheckFailedException) return { Attributes: undefined };
      throw error;
    });
    return moved.Attributes ? incidentFromItem(moved.Attributes) : incident;
  }

  async setAlertPending(incidentId: string, diagnosis: Diagnosis, pending: boolean): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.occurrenceKey(incidentId, diagnosis),
        UpdateExpression: pending ? 'SET alertPending = :true' : 'REMOVE alertPending',
        ExpressionAttributeValues: pending ? { ':true': true } : undefined,
      }),
    );
  }

  async claimAlert(incident: Incident, eventId: string, channels: readonly AlertChannel[], now: Date, cutoff: string): Promise<Incident | null> {
    const at = now.toISOString();
    const alert: AlertState = {
      eventId,
      claimedAt: at,
      occurrencesSincePreviousAlert: incident.count - incident.countAtLastAlert,
      channels: Object.fromEntries(channels.map((channel) => [channel, { status: 'pending', at }])),
    };
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incident.id),
          UpdateExpression: 'SET alert = :alert, countAtLastAlert = :count',
          ConditionExpression: 'attribute_not_exists(alert) OR alert.claimedAt < :cutoff OR alert.eventId = :eventId',
          ExpressionAttributeValues: { ':alert': alert, ':count': incident.count, ':cutoff': cutoff, ':eventId': eventId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return incidentFromItem(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async setChannelDelivery(incidentId: string, eventId: string, channel: AlertChannel, delivery: ChannelDelivery): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.incidentKey(incidentId),
          UpdateExpression: 'SET alert.channels.#channel = :delivery',
          ConditionExpression: 'alert.eventId = :eventId',
          ExpressionAttributeNames: { '#channel': channel },
          ExpressionAttributeValues: { ':delivery': delivery, ':eventId': eventId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async setEnrichment(incidentId: string, enrichment: Record<string, unknown>): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.incidentKey(incidentId),
        UpdateExpression: 'SET enrichment = :enrichment',
        ExpressionAttributeValues: { ':enrichment': enrichment },
      }),
    );
  }

  async getIncident(incidentId: string): Promise<Incident | null> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.options.tableName, Key: this.incidentKey(incidentId), ConsistentRead: true }),
    );
    return Item ? incidentFromItem(Item) : null;
  }

  private incidentKey(incidentId: string): Record<string, string> {
    return { pk: incidentPk(incidentId), sk: INCIDENT_SORT_KEY };
  }

  private occurrenceKey(incidentId: string, diagnosis: Pick<Diagnosis, 'eventTime' | 'eventId'>): Record<string, string> {
    return { pk: incidentPk(incidentId), sk: occurrenceSk(diagnosis.eventTime, diagnosis.eventId) };
  }
}
