import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createIncidentsTable } from '../../../lambdas/adapters/dynamodb-incidents-table';
import {
  DynamoDbIncidentStore,
  incidentFromItem,
  incidentToItem,
  MalformedItemError,
  occurrenceFromItem,
} from '../../../lambdas/adapters/dynamodb-incident-store';
import { incidentIdFor } from '../../../core/incidents/identity';
import type { Incident } from '../../../core/incidents/model';
import { INCIDENT_SORT_KEY, incidentPk, occurrenceSk } from '../../../core/incidents/schema';
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
  const lease = { owner: 'attempt-1', until: '2026-11-20T10:01:30.000Z' };
  const other = { owner: 'attempt-2', until: '2026-11-20T10:05:00.000Z' };
  const occurrenceItem = () => item(incidentPk(id), occurrenceSk(diagnosis.eventTime, diagnosis.eventId));

  it('claims a new occurrence for one attempt; claimed again it is unfinished, with the lease it had; once done, a duplicate', async () => {
    expect(await store.claimOccurrence(id, diagnosis, now, lease)).toEqual({ kind: 'new' });
    expect(await store.claimOccurrence(id, diagnosis, now, other)).toEqual({ kind: 'unfinished', state: 'counting', lease });
    expect((await occurrenceItem())?.lease).toEqual(lease); // the second claim did not take it
    expect(await store.markAlerting(id, diagnosis, lease.owner)).toBe(true);
    expect(await store.claimOccurrence(id, diagnosis, now, other)).toEqual({ kind: 'unfinished', state: 'alerting', lease });
    await store.finishOccurrence(id, diagnosis, lease.owner);
    expect(await store.claimOccurrence(id, diagnosis, now, other)).toEqual({ kind: 'duplicate' });
  });

  it('writes the occurrence item as Occurrence fields + keys + TTL + state and lease, and reads back only the Occurrence', async () => {
    await store.claimOccurrence(id, diagnosis, now, lease);
    const stored = await occurrenceItem();
    expect(stored).toEqual({
      pk: incidentPk(id),
      sk: `OCC#2026-11-20T09:15:00.000Z#evt-1`,
      incidentId: id,
      eventId: 'evt-1',
      eventTime: '2026-11-20T09:15:00.000Z',
      principalArn: diagnosis.principalArn,
      recordedAt: now.toISOString(),
      expiresAt: EXPIRES_90_DAYS_AFTER_2026_11_20T09_15,
      state: 'counting',
      lease,
    });
    const occurrence = {
      incidentId: id,
      eventId: 'evt-1',
      eventTime: '2026-11-20T09:15:00.000Z',
      principalArn: diagnosis.principalArn,
      recordedAt: now.toISOString(),
    };
    expect(occurrenceFromItem(stored ?? {})).toEqual(occurrence);
    expect(occurrenceFromItem({ ...stored, alertPending: true })).toEqual(occurrence); // an item an earlier version wrote
  });

  it('moves a lease only from the holder named (or from none), and takes it again harmlessly when the answer was lost', async () => {
    await store.claimOccurrence(id, diagnosis, now, lease);
    expect(await store.takeOverOccurrence(id, diagnosis, 'someone-else', other)).toBe(false);
    expect(await store.takeOverOccurrence(id, diagnosis, lease.owner, other)).toBe(true);
    expect(await store.takeOverOccurrence(id, diagnosis, lease.owner, other)).toBe(true);
    expect(await store.markAlerting(id, diagnosis, lease.owner)).toBe(false);
    await store.releaseOccurrence(id, diagnosis, lease.owner); // not the holder: nothing happens
    expect((await occurrenceItem())?.lease).toEqual(other);
    await store.releaseOccurrence(id, diagnosis, other.owner);
    expect(await occurrenceItem()).not.toHaveProperty('lease');
    expect(await store.takeOverOccurrence(id, diagnosis, null, lease)).toBe(true);
    await store.finishOccurrence(id, diagnosis, lease.owner);
    await store.finishOccurrence(id, diagnosis, lease.owner); // retried after a lost answer
    expect(await occurrenceItem()).toMatchObject({ state: 'done' });
    expect(await store.takeOverOccurrence(id, diagnosis, null, other)).toBe(false);
  });

  it('creates the incident on the first occurrence with index attributes and TTL, and counts the next ones', async () => {
    const first = await store.recordOccurrence(id, diagnosis);
    expect(first).toMatchObject({
      id,
      count: 1,
      countAtLastAlert: 0,
      firstSeen: diagnosis.eventTime,
      lastSeen: diagnosis.eventTime,
      alert: null,
      enrichment: null,
      diagnosis,
    });
    const later = diagnosisOf({ eventId: 'evt-2', eventTime: '2026-12-01T00:00:00Z' });
    const second = await store.recordOccurrence(id, later);
    expect(second).toMatchObject({ count: 2, firstSeen: diagnosis.eventTime, lastSeen: later.eventTime, lastEventId: 'evt-2' });
    const stored = await item(incidentPk(id), 'META');
    expect(stored).toMatchObject({
      gsiMonth: '2026-12',
      gsiCause: 'service-control-policy',
      gsiPrincipal: diagnosis.principal,
      gsiTable: 'Orders',
      expiresAt: EXPIRES_90_DAYS_AFTER_2026_12_01,
    });
    expect(stored?.countingEventIds).toEqual(new Set(['evt-1', 'evt-2']));
    expect(incidentFromItem(stored ?? {})).toEqual(second);
    expect(incidentToItem(second, 90)).toEqual({ ...stored, countingEventIds: undefined });
  });

  it('counts an event once however often it is recorded, until the incident forgets it was being counted', async () => {
    await store.recordOccurrence(id, diagnosis);
    expect(await store.recordOccurrence(id, diagnosis)).toMatchObject({ count: 1 });
    const earlier = diagnosisOf({ eventId: 'evt-0', eventTime: '2026-11-19T00:00:00Z' });
    await store.recordOccurrence(id, earlier);
    expect(await store.recordOccurrence(id, earlier)).toMatchObject({
      count: 2,
      firstSeen: earlier.eventTime,
      lastSeen: diagnosis.eventTime,
    });
    const settled = { processedAt: now.toISOString(), mutedBy: null, quietReason: 'window' as const };
    await store.forgetCounting(id, 'evt-0', settled);
    await store.forgetCounting(id, 'evt-1', settled);
    expect(await item(incidentPk(id), 'META')).not.toHaveProperty('countingEventIds'); // DynamoDB drops an emptied set
    await store.forgetCounting('inc-0000000000000000', 'evt-1', settled);
    expect(await item(incidentPk('inc-0000000000000000'), 'META')).toBeUndefined();
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
      new QueryCommand({
        TableName: tableName,
        IndexName: 'byCause',
        KeyConditionExpression: 'gsiCause = :cause',
        ExpressionAttributeValues: { ':cause': 'service-control-policy' },
      }),
    );
    expect(Items?.map((found) => found.id)).toEqual([noTableId]);
  });

  it('claims an alert only over the alert the caller saw, numbers it, leases the first channel and forgets the event was being counted', async () => {
    const incident = await store.recordOccurrence(id, diagnosis);
    const claimed = await store.claimAlert(incident, 'evt-1', ['sns', 'slack'], now, lease, null);
    expect(claimed?.alert).toEqual({
      eventId: 'evt-1',
      sequence: 1,
      claimedAt: now.toISOString(),
      occurrencesSincePreviousAlert: 1,
      reopenedFrom: null,
      channels: { sns: { status: 'sending', at: now.toISOString(), lease }, slack: { status: 'pending', at: now.toISOString() } },
    });
    expect(claimed?.countAtLastAlert).toBe(1);
    expect(await item(incidentPk(id), 'META')).not.toHaveProperty('countingEventIds');
    // Another event that saw no alert loses; the owner gets its alert back as it is, statuses untouched.
    expect(await store.claimAlert(incident, 'evt-2', ['sns'], now, other, null)).toBeNull();
    await store.setChannelDelivery(id, 'evt-1', 'sns', { status: 'sent', at: now.toISOString(), lease });
    const again = await store.claimAlert(incident, 'evt-1', ['sns', 'slack'], new Date('2026-11-20T10:05:00.000Z'), other, null);
    expect(again?.alert?.channels.sns).toEqual({ status: 'sent', at: now.toISOString() }); // the lease is not shown once sent
    expect(again?.alert?.claimedAt).toBe(now.toISOString());
    // An event that saw this alert (and judged it old enough) claims the next one.
    const next = await store.claimAlert(again as Incident, 'evt-3', ['sns'], new Date('2026-11-20T11:30:00.000Z'), other, null);
    expect(next?.alert).toMatchObject({ eventId: 'evt-3', sequence: 2 });
  });

  it('leases a channel of the alert its event owns unless it is sent or leased to another; only the holder records its status', async () => {
    const incident = await store.recordOccurrence(id, diagnosis);
    await store.claimAlert(incident, 'evt-1', ['sns', 'slack'], now, lease, null);
    const sending = (holder: typeof lease) => ({ status: 'sending' as const, at: now.toISOString(), lease: holder });
    expect(await store.leaseChannel(id, 'evt-1', 'sns', sending(other), null)).toBe(false); // leased to attempt-1
    expect(await store.leaseChannel(id, 'evt-1', 'sns', sending(other), lease.owner)).toBe(true); // attempt-1's lease ended
    expect(await store.setChannelDelivery(id, 'evt-1', 'sns', { status: 'sent', at: now.toISOString(), lease })).toBe(false);
    const sent = { status: 'sent' as const, at: now.toISOString(), lease: other };
    expect(await store.setChannelDelivery(id, 'evt-1', 'sns', sent)).toBe(true);
    expect(await store.setChannelDelivery(id, 'evt-1', 'sns', sent)).toBe(true); // retried after a lost answer
    expect(await store.leaseChannel(id, 'evt-1', 'sns', sending(other), null)).toBe(false); // sent: never again
    expect(await store.leaseChannel(id, 'evt-other', 'slack', sending(other), null)).toBe(false); // not that event's alert
    expect(await store.leaseChannel(id, 'evt-1', 'slack', sending(other), null)).toBe(true);
    expect(await store.leaseChannel(id, 'evt-1', 'terminal', sending(other), null)).toBe(true); // a channel added since the claim
    expect((await store.getIncident(id))?.alert?.channels).toEqual({
      sns: { status: 'sent', at: now.toISOString() },
      slack: sending(other),
      terminal: sending(other),
    });
    expect(((await item(incidentPk(id), 'META'))?.alert as Incident['alert'])?.channels.sns).toEqual(sent); // kept for the retried write
  });

  it('reads an alert claimed before alerts were numbered as number 0, and hides bookkeeping attributes', async () => {
    const incident = await store.recordOccurrence(id, diagnosis);
    const { alert: _none, ...fields } = incidentToItem(incident, 90);
    const legacy = incidentFromItem({
      ...fields,
      alert: { eventId: 'evt-1', claimedAt: now.toISOString(), occurrencesSincePreviousAlert: 1, channels: {} },
      countingEventIds: new Set(['x']),
    });
    expect(legacy.alert?.sequence).toBe(0);
    expect(legacy).not.toHaveProperty('countingEventIds');
  });

  it('settles why the latest occurrence did not alert, clears it when one alerts, and reads items without it as null', async () => {
    const recorded = await store.recordOccurrence(id, diagnosis);
    expect(recorded.lastQuietReason).toBeNull();
    expect(await item(incidentPk(id), 'META')).not.toHaveProperty('lastQuietReason'); // as items written before it was kept
    await store.forgetCounting(id, 'evt-1', { processedAt: now.toISOString(), mutedBy: null, quietReason: 'console-read' });
    expect(await item(incidentPk(id), 'META')).toMatchObject({ lastQuietReason: 'console-read', lastProcessedAt: now.toISOString() });
    expect(await store.getIncident(id)).toMatchObject({ lastQuietReason: 'console-read', mutedBy: null });

    const repeat = await store.recordOccurrence(id, diagnosisOf({ eventId: 'evt-2', eventTime: '2026-11-20T09:30:00Z' }));
    const claimed = await store.claimAlert(repeat, 'evt-2', ['sns'], now, lease, null);
    expect(claimed?.lastQuietReason).toBeNull();
    expect((await item(incidentPk(id), 'META'))?.lastQuietReason).toBeNull();

    const stored = (await item(incidentPk(id), 'META')) ?? {};
    const malformed = () => incidentFromItem({ ...stored, lastQuietReason: 'bored' });
    expect(malformed).toThrow(MalformedItemError);
    expect(malformed).toThrow(`incidents table item pk=${incidentPk(id)} sk=META: field lastQuietReason: `);
  });

  it('stores enrichment and reads a missing incident as null', async () => {
    await store.recordOccurrence(id, diagnosis);
    await store.setEnrichment(id, { eventId: 'evt-1', key: { state: 'Disabled' } }, null);
    expect((await store.getIncident(id))?.enrichment).toEqual({ eventId: 'evt-1', key: { state: 'Disabled' } });
    expect(await store.getIncident('inc-0000000000000000')).toBeNull();
  });

  it("keeps the deep diagnosis of an alert across repeats, laid over the repeat's diagnosis", async () => {
    const evaluation = {
      decision: 'explicit-deny' as const,
      deniedBy: [],
      missingAllow: [],
      unresolvedKeys: [],
      missingPolicies: ['principal arn:aws:iam::111122223333:role/orders-api: timed out'],
      agreesWithMessage: true,
      source: 'fetched' as const,
    };
    const remediation = { ...diagnosis.remediation, summary: 'Remove the statement NoPuts' };
    await store.recordOccurrence(id, diagnosis);
    await store.setEnrichment(
      id,
      { eventId: diagnosis.eventId },
      { eventId: diagnosis.eventId, evaluation, confidence: 'certain', remediation },
    );
    const repeat = diagnosisOf({ eventId: 'repeat-1', eventTime: '2026-11-20T09:20:00Z' });
    await store.recordOccurrence(id, repeat);

    const incident = await store.getIncident(id);
    expect(incident?.lastEventId).toBe('repeat-1');
    expect(incident?.diagnosis).toMatchObject({ eventId: 'repeat-1', evaluation, confidence: 'certain', remediation });
    // A diagnosis evaluated on its own (a store given to `denyscope local`) keeps its evaluation.
    const own = { ...evaluation, missingPolicies: [] };
    const { Item } = await dynamo.documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: incidentPk(id), sk: INCIDENT_SORT_KEY } }),
    );
    expect(incidentFromItem({ ...Item, diagnosis: { ...Item?.diagnosis, evaluation: own } }).diagnosis.evaluation).toEqual(own);
  });
});
