import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createIncidentsTable } from '../../../lambdas/adapters/dynamodb-incidents-table';
import { DynamoDbIncidentStore, incidentFromItem, incidentToItem, occurrenceFromItem } from '../../../lambdas/adapters/dynamodb-incident-store';
import { incidentIdFor } from '../../../core/incidents/identity';
import { incidentPk, occurrenceSk } from '../../../core/incidents/schema';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { diagnosisOf } from '../../support/incidents';

let dynamo: LocalDynamo;
let tableName: string;
let store: DynamoDbIncidentStore;
const now = new Date('2026-11-20T10:00:00.000Z');
/**
 * DynamoDB TTL takes Unix epoch seconds. With retentionDays 90: 2026-11-20T09:15:00Z + 90 days = 2027-02-18T09:15:00Z, and
 * 2026-12-01T00:00:00Z + 90 days = 2027-03-01T00:00:00Z (`date -u -d 2027-02-18T09:15:00Z +%s`).
 */
const EXPIRES_90_DAYS_AFTER_2026_11_20T09_15 = 1_802_942_100;
const EXPIRES_90_DAYS_AFTER_2026_12_01 = 1_803_859_200;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo?.stop();
});

beforeEach(async () => {
  tableName = await dynamo.createTable();
  store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
});

async function item(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  return (await dynamo.documents.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;
}

describe('createIncidentsTable', () => {
  it('creates the keys and the four sparse indexes of the schema, and accepts an existing table', async () => {
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    // The four indexes the README's table design names.
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(['byCause', 'byPrincipal', 'byTable', 'byTime']);
    await expect(createIncidentsTable(dynamo.client, tableName)).resolves.toBeUndefined();
  });
});

describe('DynamoDbIncidentStore on dynalite', () => {
  const diagnosis = diagnosisOf({ eventId: 'evt-1', eventTime: '2026-11-20T09:15:00Z' });
  const id = incidentIdFor(diagnosis);

  it('claims an occurrence once: the same eventID again is a duplicate', async () => {
    expect(await store.claimOccurrence(id, diagnosis, now)).toBe('new');
    expect(await store.claimOccurrence(id, diagnosis, now)).toBe('duplicate');
  });

  it('lets a retry through while its alert is pending, and keeps the flag', async () => {
    await store.claimOccurrence(id, diagnosis, now);
    await store.setAlertPending(id, diagnosis, true);
    expect(await store.claimOccurrence(id, diagnosis, now)).toBe('alert-pending');
    expect((await item(incidentPk(id), occurrenceSk(diagnosis.eventTime, diagnosis.eventId)))?.alertPending).toBe(true);
    await store.setAlertPending(id, diagnosis, false);
    expect(await store.claimOccurrence(id, diagnosis, now)).toBe('duplicate');
  });

  it('writes the occurrence item as Occurrence fields + keys + TTL, without index attributes', async () => {
    await store.claimOccurrence(id, diagnosis, now);
    const stored = await item(incidentPk(id), occurrenceSk(diagnosis.eventTime, diagnosis.eventId));
    expect(stored).toEqual({
      pk: incidentPk(id),
      sk: `OCC#2026-11-20T09:15:00.000Z#evt-1`,
      incidentId: id,
      eventId: 'evt-1',
      eventTime: '2026-11-20T09:15:00.000Z',
      principalArn: diagnosis.principalArn,
      recordedAt: now.toISOString(),
      expiresAt: EXPIRES_90_DAYS_AFTER_2026_11_20T09_15,
    });
    expect(occurrenceFromItem(stored ?? {})).toEqual({
      incidentId: id,
      eventId: 'evt-1',
      eventTime: '2026-11-20T09:15:00.000Z',
      principalArn: diagnosis.principalArn,
      recordedAt: now.toISOString(),
    });
  });

  it('releases an occurrence so that its retry counts again', async () => {
    await store.claimOccurrence(id, diagnosis, now);
    await store.releaseOccurrence(id, diagnosis);
    expect(await store.claimOccurrence(id, diagnosis, now)).toBe('new');
  });

  it('creates the incident on the first occurrence with index attributes and TTL, and counts the next ones', async () => {
    const first = await store.recordOccurrence(id, diagnosis);
    expect(first).toMatchObject({ id, count: 1, countAtLastAlert: 0, firstSeen: diagnosis.eventTime, lastSeen: diagnosis.eventTime, alert: null, enrichment: null, diagnosis });
    const later = diagnosisOf({ eventId: 'evt-2', eventTime: '2026-12-01T00:00:00Z' });
    const second = await store.recordOccurrence(id, later);
    expect(second).toMatchObject({ count: 2, firstSeen: diagnosis.eventTime, lastSeen: later.eventTime, lastEventId: 'evt-2' });
    const stored = await item(incidentPk(id), 'META');
    expect(stored).toMatchObject({ gsiMonth: '2026-12', gsiCause: 'service-control-policy', gsiPrincipal: diagnosis.principal, gsiTable: 'Orders', expiresAt: EXPIRES_90_DAYS_AFTER_2026_12_01 });
    expect(incidentFromItem(stored ?? {})).toEqual(second);
    expect(incidentToItem(second, 90)).toEqual(stored);
  });

  it('counts an out-of-order event without moving lastSeen back, and moves firstSeen back when it is older', async () => {
    await store.recordOccurrence(id, diagnosis);
    const earlier = diagnosisOf({ eventId: 'evt-0', eventTime: '2026-11-19T00:00:00Z' });
    const incident = await store.recordOccurrence(id, earlier);
    expect(incident).toMatchObject({ count: 2, firstSeen: earlier.eventTime, lastSeen: diagnosis.eventTime, lastEventId: 'evt-1' });
  });

  it('leaves gsiTable out when the incident names no table, so the byTable index stays sparse', async () => {
    const noTable = { ...diagnosis, tableName: null, resource: null };
    const noTableId = incidentIdFor(noTable);
    await store.recordOccurrence(noTableId, noTable);
    const stored = await item(incidentPk(noTableId), 'META');
    expect(stored).not.toHaveProperty('gsiTable');
    const { Items } = await dynamo.documents.send(
      new QueryCommand({ TableName: tableName, IndexName: 'byCause', KeyConditionExpression: 'gsiCause = :cause', ExpressionAttributeValues: { ':cause': 'service-control-policy' } }),
    );
    expect(Items?.map((found) => found.id)).toEqual([noTableId]);
  });

  it('claims the alert once per window; the owner may re-claim; a later event claims after the cutoff', async () => {
    const incident = await store.recordOccurrence(id, diagnosis);
    const claimed = await store.claimAlert(incident, 'evt-1', ['sns', 'slack'], now, '2026-11-20T09:00:00.000Z');
    expect(claimed?.alert).toEqual({
      eventId: 'evt-1',
      claimedAt: now.toISOString(),
      occurrencesSincePreviousAlert: 1,
      channels: { sns: { status: 'pending', at: now.toISOString() }, slack: { status: 'pending', at: now.toISOString() } },
    });
    expect(claimed?.countAtLastAlert).toBe(1);
    expect(await store.claimAlert(incident, 'evt-2', ['sns'], now, '2026-11-20T09:00:00.000Z')).toBeNull();
    expect(await store.claimAlert(incident, 'evt-1', ['sns'], now, '2026-11-20T09:00:00.000Z')).not.toBeNull();
    expect(await store.claimAlert(incident, 'evt-3', ['sns'], now, '2026-11-20T11:00:00.000Z')).not.toBeNull();
  });

  it('records channel delivery only on the alert the event owns', async () => {
    const incident = await store.recordOccurrence(id, diagnosis);
    await store.claimAlert(incident, 'evt-1', ['sns'], now, '2026-11-20T09:00:00.000Z');
    const sent = { status: 'sent' as const, at: now.toISOString() };
    expect(await store.setChannelDelivery(id, 'evt-1', 'sns', sent)).toBe(true);
    expect(await store.setChannelDelivery(id, 'evt-other', 'sns', { status: 'failed', at: now.toISOString(), detail: 'x' })).toBe(false);
    expect((await store.getIncident(id))?.alert?.channels.sns).toEqual(sent);
  });

  it('stores enrichment and reads a missing incident as null', async () => {
    await store.recordOccurrence(id, diagnosis);
    await store.setEnrichment(id, { eventId: 'evt-1', key: { state: 'Disabled' } });
    expect((await store.getIncident(id))?.enrichment).toEqual({ eventId: 'evt-1', key: { state: 'Disabled' } });
    expect(await store.getIncident('inc-0000000000000000')).toBeNull();
  });
});
