import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { diagnose, readRecords, type Diagnosis } from '../../../core/diagnosis';
import { incidentIdFor } from '../../../core/incidents/identity';
import type { Incident } from '../../../core/incidents/model';
import { createIncidentPipeline } from '../../../core/incidents/pipeline';
import type { DeliveryResult, Notifier, PipelineLog } from '../../../core/incidents/ports';
import { incidentPk, occurrenceSk } from '../../../core/incidents/schema';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb-incident-store';
import { crossAccountCopies } from '../../support/cross-account';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { ManualClock } from '../../support/handler-harness';

let dynamo: LocalDynamo;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});
beforeEach(async () => {
  tableName = await dynamo.createTable();
});

/** Every command sent to the table, with how it ended: the writes a path costs, as DynamoDB would bill them. */
function recordingDocuments(documents: DynamoDBDocumentClient): { client: DynamoDBDocumentClient; sent: string[] } {
  const sent: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      try {
        const answer = await documents.send(command as never);
        sent.push(`${command.constructor.name}: ok`);
        return answer;
      } catch (error) {
        sent.push(`${command.constructor.name}: ${(error as Error).name}`);
        throw error;
      }
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, sent };
}

function copiesOf(sharedEventId: string, eventTime = '2026-11-20T09:15:00Z'): [Diagnosis, Diagnosis] {
  const events = crossAccountCopies({
    callerAccount: '444455556666',
    ownerAccount: '777788889999',
    sharedEventId,
    eventTime,
    eventIds: [`${sharedEventId}-in-caller`, `${sharedEventId}-in-owner`],
  });
  const [caller, owner] = events.map((event) => diagnose(readRecords(JSON.stringify(event), 'copy')[0]));
  if (caller === null || owner === null) throw new Error('the copies are not denials');
  return [caller, owner];
}

const lease = { owner: 'attempt-1', until: '2026-11-20T10:01:30.000Z' };
const otherLease = { owner: 'attempt-2', until: '2026-11-20T10:05:00.000Z' };
const now = new Date('2026-11-20T10:00:00.000Z');

describe('the two copies of a cross-account call in the incident store (dynalite)', () => {
  it('the second copy is a duplicate: one failed conditional write, and nothing else', async () => {
    const [first, second] = copiesOf('share-1');
    const id = incidentIdFor(first);
    const { client, sent } = recordingDocuments(dynamo.documents);
    const store = new DynamoDbIncidentStore(client, { tableName, retentionDays: 90 });
    expect(await store.claimOccurrence(id, first, now, lease)).toEqual({ kind: 'new' });
    await store.recordOccurrence(id, first);
    await store.finishOccurrence(id, first, lease.owner);

    sent.length = 0;
    expect(await store.claimOccurrence(incidentIdFor(second), second, now, otherLease)).toEqual({ kind: 'duplicate' });
    expect(sent).toEqual(['UpdateCommand: ConditionalCheckFailedException']);
  });

  it('stores the occurrence under the sharedEventID, with the eventID of the copy that claimed it', async () => {
    const [first] = copiesOf('share-2');
    const id = incidentIdFor(first);
    const store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
    await store.claimOccurrence(id, first, now, lease);
    const { Item } = await dynamo.documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: incidentPk(id), sk: occurrenceSk('2026-11-20T09:15:00.000Z', 'share-2') } }),
    );
    expect(Item).toMatchObject({ incidentId: id, eventId: 'share-2-in-caller', state: 'counting', lease });
  });

  it.each([
    ['live', otherLease.until],
    ['ended', '2026-11-20T09:59:00.000Z'],
  ])(
    "the other copy never takes over an unfinished occurrence (lease %s): it is a duplicate; the claiming copy's redelivery resumes",
    async (_name, until) => {
      const [first, second] = copiesOf('share-3');
      const id = incidentIdFor(first);
      const store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
      const firstLease = { owner: 'attempt-1', until };
      expect(await store.claimOccurrence(id, first, now, firstLease)).toEqual({ kind: 'new' });
      expect(await store.claimOccurrence(id, second, now, otherLease)).toEqual({ kind: 'duplicate' });
      expect(await store.claimOccurrence(id, first, now, otherLease)).toEqual({ kind: 'unfinished', state: 'counting', lease: firstLease });
    },
  );
});

/** A channel that records every incident it is asked to send. */
class RecordingNotifier implements Notifier {
  readonly channel = 'sns';
  readonly sent: Incident[] = [];
  async notify(incident: Incident): Promise<DeliveryResult> {
    this.sent.push(incident);
    return { status: 'sent' };
  }
}

const quietLog: PipelineLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const options = { budget: { remainingMs: () => 60_000 }, log: quietLog };

describe('the two copies through the incident pipeline (dynalite)', () => {
  it('one after the other: counted and alerted once; the second copy is a duplicate', async () => {
    const [first, second] = copiesOf('share-4');
    const sns = new RecordingNotifier();
    const store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
    const pipeline = createIncidentPipeline({ store, notifiers: [sns], clock: new ManualClock(), dedupWindowMinutes: 60 });
    expect(await pipeline.process(second, options)).toMatchObject({ kind: 'alerted', newIncident: true, complete: true });
    expect(await pipeline.process(first, options)).toEqual({ kind: 'duplicate', incidentId: incidentIdFor(first) });
    expect(sns.sent).toHaveLength(1);
    expect(await store.getIncident(incidentIdFor(first))).toMatchObject({
      count: 1,
      accountId: '777788889999',
      lastEventId: second.eventId,
    });
  });

  it('at the same time, round after round: each call counted once, one copy of each a duplicate, one alert', async () => {
    const sns = new RecordingNotifier();
    const store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
    const pipeline = createIncidentPipeline({ store, notifiers: [sns], clock: new ManualClock(), dedupWindowMinutes: 60 });
    const rounds = 12;
    for (let round = 0; round < rounds; round += 1) {
      const eventTime = `2026-11-20T09:${String(10 + round).padStart(2, '0')}:00Z`;
      const copies = copiesOf(`share-round-${round}`, eventTime);
      const outcomes = await Promise.all(copies.map((copy) => pipeline.process(copy, options)));
      expect(outcomes.map(({ kind }) => kind).filter((kind) => kind === 'duplicate')).toHaveLength(1);
    }
    const [first] = copiesOf('share-round-0');
    expect(await store.getIncident(incidentIdFor(first))).toMatchObject({ count: rounds });
    expect(sns.sent).toHaveLength(1);
  });
});
