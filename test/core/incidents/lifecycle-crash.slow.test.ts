import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb-incident-store';
import { CachedMuteSource, DynamoDbMuteStore } from '../../../lambdas/adapters/dynamodb-mute-store';
import { incidentIdFor } from '../../../core/incidents/identity';
import { stateChange } from '../../../core/incidents/lifecycle';
import type { Incident } from '../../../core/incidents/model';
import { createIncidentPipeline } from '../../../core/incidents/pipeline';
import type { DeliveryResult, Notifier, PipelineLog } from '../../../core/incidents/ports';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { ManualClock } from '../../support/handler-harness';
import { diagnosisOf } from '../../support/incidents';
import { Crash, StepCounter, steppedDocuments, steppedNotifier } from './faults';

/**
 * The new paths of the alert pipeline (a resolved incident reopened by an occurrence, a muted occurrence of a resolved
 * incident) crashed at every step boundary and replayed, in the style of crash-safety.slow.test.ts: the replay ends
 * in the state a run without a crash ends in, and no alert is lost or raised where none is due.
 */
let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});

const quiet: PipelineLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const options = { budget: { remainingMs: () => 60_000 }, log: quiet };
const FIRST = diagnosisOf({ eventId: 'first' });
const REPEAT = diagnosisOf({ eventId: 'repeat' });
const ID = incidentIdFor(FIRST);

class Inbox implements Notifier {
  readonly channel = 'sns';
  constructor(readonly received: Incident[]) {}
  notify(incident: Incident): Promise<DeliveryResult> {
    this.received.push(incident);
    return Promise.resolve({ status: 'sent' });
  }
}

/** A table holding the incident of FIRST, alerted and then resolved; with `muted`, a mute matching REPEAT. */
async function resolvedIncident(clock: ManualClock, muted: boolean): Promise<{ tableName: string; resolvedAt: string }> {
  const tableName = await dynamo.createTable();
  const store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
  await createIncidentPipeline({ store, notifiers: [new Inbox([])], clock, dedupWindowMinutes: 60 }).process(FIRST, options);
  const change = stateChange('resolve', (await store.getIncident(ID)) as Incident, 'alice', null, clock.now());
  if (!change.ok) throw new Error(change.problem);
  const resolved = await store.changeState(ID, change.change);
  if (muted) {
    await new DynamoDbMuteStore(dynamo.documents, tableName).addMute({
      id: 'mute-repeat',
      principal: null,
      action: 'dynamodb:PutItem',
      resource: null,
      cause: null,
      account: null,
      until: null,
      reason: 'test',
      createdBy: 'tester',
      createdAt: clock.now().toISOString(),
    });
  }
  clock.advanceMinutes(5);
  return { tableName, resolvedAt: resolved?.resolvedAt ?? '' };
}

function pipelineOn(tableName: string, clock: ManualClock, received: Incident[], counter: StepCounter | null) {
  const documents = counter === null ? dynamo.documents : steppedDocuments(dynamo.documents, counter);
  const inbox = new Inbox(received);
  return createIncidentPipeline({
    store: new DynamoDbIncidentStore(documents, { tableName, retentionDays: 90 }),
    notifiers: [counter === null ? inbox : steppedNotifier(inbox, counter)],
    clock,
    dedupWindowMinutes: 60,
    mutes: new CachedMuteSource([], new DynamoDbMuteStore(documents, tableName), clock, 0),
    soleWriter: true,
  });
}

describe.each([
  ['reopens a resolved incident and alerts once', false],
  ['counts a muted repeat of a resolved incident without reopening it', true],
])('a crash at any step, then a replay: %s', (_name, muted) => {
  it('ends as a run without a crash ends', async () => {
    const clean = new StepCounter();
    const cleanClock = new ManualClock();
    const { tableName } = await resolvedIncident(cleanClock, muted);
    await pipelineOn(tableName, cleanClock, [], clean).process(REPEAT, options);
    expect(clean.steps.length).toBeGreaterThan(3);

    for (let stopAfter = 0; stopAfter < clean.steps.length; stopAfter += 1) {
      const where = `crash before step ${stopAfter + 1} (${clean.steps[stopAfter]})`;
      const clock = new ManualClock();
      const seeded = await resolvedIncident(clock, muted);
      const received: Incident[] = [];
      await expect(pipelineOn(seeded.tableName, clock, received, new StepCounter(stopAfter)).process(REPEAT, options)).rejects.toThrow(
        Crash,
      );
      clock.advanceMinutes(1);
      await pipelineOn(seeded.tableName, clock, received, null).process(REPEAT, options);

      const store = new DynamoDbIncidentStore(dynamo.documents, { tableName: seeded.tableName, retentionDays: 90 });
      const incident = await store.getIncident(ID);
      const outcome = {
        where,
        count: incident?.count,
        state: incident?.state,
        mutedBy: incident?.mutedBy,
        lastQuietReason: incident?.lastQuietReason,
        reopenedFrom: incident?.alert?.reopenedFrom,
        alertSequence: incident?.alert?.sequence,
      };
      // The one write after the occurrence is done settles it on the incident; a crash just before it leaves the
      // incident as the previous occurrence settled it (the replay is a duplicate), as it may leave the event id counting.
      const unsettled = clean.steps[stopAfter].includes('DELETE #counting') && !clean.steps[stopAfter].includes('alert');
      expect(outcome).toEqual({
        where,
        count: 2,
        state: muted ? 'resolved' : 'open',
        mutedBy: muted && !unsettled ? 'mute-repeat' : null,
        lastQuietReason: muted && !unsettled ? 'muted' : null,
        reopenedFrom: muted ? null : seeded.resolvedAt,
        alertSequence: muted ? 1 : 2,
      });
      // The reopening alert arrives at least once; twice only when the crash fell between its send and its status write.
      const resent = clean.steps[stopAfter - 1] === 'notify sns';
      expect({ where, alerts: received.length }).toEqual({ where, alerts: muted ? 0 : resent ? 2 : 1 });
    }
  });
});
