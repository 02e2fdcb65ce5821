import { diagnose, readRecords, type Diagnosis } from '../../../core/diagnosis';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb-incident-store';
import { CachedMuteSource, DynamoDbMuteStore } from '../../../lambdas/adapters/dynamodb-mute-store';
import { incidentIdFor } from '../../../core/incidents/identity';
import { stateChange, type StateCommand } from '../../../core/incidents/lifecycle';
import type { Incident, IncidentState } from '../../../core/incidents/model';
import type { Mute } from '../../../core/incidents/mutes';
import { createIncidentPipeline, type IncidentPipelineDeps, type PipelineOutcome } from '../../../core/incidents/pipeline';
import type { DeliveryResult, Notifier, PipelineLog } from '../../../core/incidents/ports';
import { corpusAvailable, readCorpusFile } from '../../support/corpus';
import { denialEvent } from '../../support/denial-events';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { ManualClock } from '../../support/handler-harness';
import { diagnosisOf } from '../../support/incidents';

let dynamo: LocalDynamo;
let tableName: string;
let store: DynamoDbIncidentStore;
let mutes: DynamoDbMuteStore;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});
beforeEach(async () => {
  tableName = await dynamo.createTable();
  store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
  mutes = new DynamoDbMuteStore(dynamo.documents, tableName);
});

/** Event ids unique across pipelines, so each occurrence is a new event. */
let events = 0;
const quiet: PipelineLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const options = { budget: { remainingMs: () => 60_000 }, log: quiet };

/** Records every alert it is asked to send. */
class Inbox implements Notifier {
  readonly channel = 'sns';
  readonly alerts: Incident[] = [];
  notify(incident: Incident): Promise<DeliveryResult> {
    this.alerts.push(incident);
    return Promise.resolve({ status: 'sent' });
  }
}

function setup(overrides: Partial<IncidentPipelineDeps> = {}) {
  const clock = new ManualClock();
  const inbox = new Inbox();
  const pipeline = createIncidentPipeline({
    store,
    notifiers: [inbox],
    clock,
    dedupWindowMinutes: 60,
    mutes: new CachedMuteSource([], mutes, clock, 0),
    ...overrides,
  });
  const occur = (diagnosis: Diagnosis = diagnosisOf({ eventId: `evt-${(events += 1)}` })): Promise<PipelineOutcome> =>
    pipeline.process(diagnosis, options);
  return { clock, inbox, occur };
}

const ID = incidentIdFor(diagnosisOf());

async function change(command: StateCommand, at: Date, actor = 'arn:aws:iam::111122223333:user/alice', note: string | null = null) {
  const incident = await store.getIncident(ID);
  if (incident === null) throw new Error('no incident');
  const result = stateChange(command, incident, actor, note, at);
  if (!result.ok) throw new Error(result.problem);
  return store.changeState(ID, result.change);
}

function mute(id: string, criteria: Partial<Mute>, createdAt = '2026-11-20T09:00:00.000Z'): Mute {
  return {
    principal: null,
    action: null,
    resource: null,
    cause: null,
    account: null,
    until: null,
    reason: 'known noise',
    createdBy: 'tester',
    createdAt,
    id,
    ...criteria,
  };
}

describe('state transitions', () => {
  const TRANSITIONS: [IncidentState, StateCommand, IncidentState | null][] = [
    ['open', 'ack', 'acknowledged'],
    ['open', 'resolve', 'resolved'],
    ['open', 'reopen', null],
    ['acknowledged', 'ack', null],
    ['acknowledged', 'resolve', 'resolved'],
    ['acknowledged', 'reopen', 'open'],
    ['resolved', 'ack', null],
    ['resolved', 'resolve', null],
    ['resolved', 'reopen', 'open'],
  ];

  it.each(TRANSITIONS)('%s --%s--> %s (null: refused, nothing written)', async (from, command, to) => {
    const { clock, occur } = setup();
    await occur();
    if (from === 'acknowledged') await change('ack', clock.now());
    if (from === 'resolved') await change('resolve', clock.now());
    const before = await store.getIncident(ID);
    expect(before?.state).toBe(from);
    const result = stateChange(command, before as Incident, 'bob', 'because', clock.now());
    if (to === null) {
      expect(result).toEqual({ ok: false, problem: expect.stringContaining(`is ${from}`) as unknown });
      expect(await store.getIncident(ID)).toEqual(before);
      return;
    }
    if (!result.ok) throw new Error(result.problem);
    const after = await store.changeState(ID, result.change);
    expect(after).toMatchObject({ state: to, stateNote: 'because' });
    if (to === 'acknowledged') expect(after).toMatchObject({ acknowledgedBy: 'bob', acknowledgedAt: clock.now().toISOString() });
    if (to === 'resolved') expect(after).toMatchObject({ resolvedBy: 'bob', resolvedAt: clock.now().toISOString(), acknowledgedBy: null });
    if (to === 'open') expect(after).toMatchObject({ acknowledgedBy: null, resolvedAt: null });
    expect(await store.getIncident(ID)).toEqual(after);
  });

  it('lets one of two people acting at once win; the other writes nothing', async () => {
    const { clock, occur } = setup();
    await occur();
    const read = (await store.getIncident(ID)) as Incident;
    const ack = stateChange('ack', read, 'alice', null, clock.now());
    const resolve = stateChange('resolve', read, 'bob', null, clock.now());
    if (!ack.ok || !resolve.ok) throw new Error('both apply to an open incident');
    const [acked, resolved] = await Promise.all([store.changeState(ID, ack.change), store.changeState(ID, resolve.change)]);
    expect([acked, resolved].filter((result) => result !== null)).toHaveLength(1);
    const winner = acked ?? resolved;
    expect(await store.getIncident(ID)).toEqual(winner);
  });

  it('refuses a change on an unknown incident', async () => {
    const incident = diagnosisOf();
    expect(
      await store.changeState(incidentIdFor({ ...incident, action: 'dynamodb:Nothing' }), {
        from: 'open',
        to: { state: 'resolved', acknowledgedBy: null, acknowledgedAt: null, resolvedAt: 'x', resolvedBy: 'y', stateNote: null },
      }),
    ).toBeNull();
  });
});

describe('the alert policy with states', () => {
  it('reopens a resolved incident on its next occurrence and alerts at once, saying when it was resolved', async () => {
    const { clock, inbox, occur } = setup();
    await occur();
    clock.advanceMinutes(5);
    const resolved = await change('resolve', clock.now());
    clock.advanceMinutes(5); // well inside the dedup window
    const outcome = await occur();
    expect(outcome).toMatchObject({ kind: 'alerted', incident: { state: 'open', resolvedAt: null, count: 2 } });
    expect(inbox.alerts.map((alert) => alert.alert?.reopenedFrom)).toEqual([null, resolved?.resolvedAt]);
    expect(inbox.alerts[1]).toMatchObject({ state: 'open', alert: { sequence: 2, occurrencesSincePreviousAlert: 1 } });
  });

  it('keeps an acknowledged incident quiet for acknowledgeHours, then alerts under the normal window and stays acknowledged', async () => {
    const { clock, inbox, occur } = setup({ acknowledgeHours: 24 });
    await occur();
    await change('ack', clock.now());
    clock.advanceMinutes(120); // past the dedup window, inside acknowledgeHours
    expect(await occur()).toMatchObject({ kind: 'suppressed', reason: 'acknowledged', incident: { count: 2 } });
    clock.advanceMinutes(22 * 60);
    expect(await occur()).toMatchObject({ kind: 'alerted', incident: { state: 'acknowledged', count: 3 } });
    clock.advanceMinutes(30);
    expect(await occur()).toMatchObject({ kind: 'suppressed', reason: 'window' });
    expect(inbox.alerts).toHaveLength(2);
  });

  it('with a zero dedup window, alerts on every new occurrence', async () => {
    const { inbox, occur } = setup({ dedupWindowMinutes: 0 });
    await occur();
    await occur();
    await occur();
    expect(inbox.alerts.map((alert) => alert.alert?.sequence)).toEqual([1, 2, 3]);
  });

  it('treats an incident with no occurrence for autoResolveDays as resolved: the next occurrence reopens it', async () => {
    const { clock, inbox, occur } = setup({ autoResolveDays: 14 });
    await occur();
    clock.advanceMinutes(14 * 24 * 60 - 1);
    expect(await occur()).toMatchObject({ kind: 'alerted' }); // one minute short of idle: a repeat after the window
    const lastProcessed = clock.now().getTime();
    clock.advanceMinutes(14 * 24 * 60 + 1);
    expect(await occur()).toMatchObject({ kind: 'alerted', incident: { state: 'open' } });
    expect(inbox.alerts.map((alert) => alert.alert?.reopenedFrom)).toEqual([
      null,
      null,
      new Date(lastProcessed + 14 * 86_400_000).toISOString(),
    ]);
  });

  it('resolves an idle incident for the digest run, only if it is still as read', async () => {
    const { clock, occur } = setup();
    await occur();
    const read = (await store.getIncident(ID)) as Incident;
    expect(await store.resolveIdle(read, clock.now(), 14)).toBeNull(); // not idle
    const later = new Date(clock.now().getTime() + 15 * 86_400_000);
    const resolved = await store.resolveIdle(read, later, 14);
    expect(resolved).toMatchObject({ state: 'resolved', resolvedAt: new Date(clock.now().getTime() + 14 * 86_400_000).toISOString() });
    expect(resolved?.resolvedBy).toMatch(/autoResolveDays/);
    expect(await store.resolveIdle(read, later, 14)).toBeNull(); // changed since it was read
  });
});

describe('mutes in the pipeline', () => {
  it('records and counts a muted denial without alerting, names the mute, and clears it on the next unmuted occurrence', async () => {
    const { clock, inbox, occur } = setup();
    await mutes.addMute(mute('mute-a', { action: 'dynamodb:Put*' }));
    expect(await occur()).toMatchObject({
      kind: 'suppressed',
      reason: 'muted',
      newIncident: true,
      incident: { count: 1, mutedBy: 'mute-a' },
    });
    expect(await store.getIncident(ID)).toMatchObject({ count: 1, mutedBy: 'mute-a', alert: null });
    expect(await mutes.removeMute('mute-a', clock.now())).toBe(true);
    expect(await mutes.removeMute('mute-a', clock.now())).toBe(false);
    expect(await occur()).toMatchObject({ kind: 'alerted' });
    expect(await store.getIncident(ID)).toMatchObject({ count: 2, mutedBy: null });
    expect(inbox.alerts).toHaveLength(1);
  });

  it('never reopens a resolved incident with a muted repeat; the first unmuted one does', async () => {
    const { clock, inbox, occur } = setup();
    await occur();
    await change('resolve', clock.now());
    await mutes.addMute(mute('mute-b', { principal: 'arn:aws:iam::111122223333:role/orders-api' }));
    clock.advanceMinutes(120);
    expect(await occur()).toMatchObject({ kind: 'suppressed', reason: 'muted' });
    expect(await store.getIncident(ID)).toMatchObject({ state: 'resolved', count: 2, mutedBy: 'mute-b' });
    await mutes.removeMute('mute-b', clock.now());
    expect(await occur()).toMatchObject({ kind: 'alerted', incident: { state: 'open', mutedBy: null } });
    expect(inbox.alerts).toHaveLength(2);
  });

  it('names the oldest matching mute, applies standing mutes, and stops muting when a mute ends', async () => {
    const clock = new ManualClock();
    await mutes.addMute(mute('mute-new', { action: '*' }, '2026-11-20T09:30:00.000Z'));
    await mutes.addMute(mute('mute-old', { cause: 'service-control-policy' }, '2026-11-20T08:00:00.000Z'));
    const { occur } = setup({ clock, mutes: new CachedMuteSource([], mutes, clock, 0) });
    expect(await occur()).toMatchObject({ incident: { mutedBy: 'mute-old' } });
    const standing = mute('config-1', { account: '111122223333' }, '');
    const withStanding = setup({ clock, mutes: new CachedMuteSource([standing], mutes, clock, 0) });
    expect(await withStanding.occur()).toMatchObject({ incident: { mutedBy: 'config-1' } });
    const ending = setup({ clock, mutes: new CachedMuteSource([{ ...standing, until: '2026-11-20T10:30:00.000Z' }], mutes, clock, 0) });
    await mutes.removeMute('mute-new', clock.now());
    await mutes.removeMute('mute-old', clock.now());
    clock.advanceMinutes(29);
    expect(await ending.occur()).toMatchObject({ reason: 'muted' });
    clock.advanceMinutes(1);
    expect(await ending.occur()).toMatchObject({ kind: 'alerted' });
    expect(await mutes.activeMutes(clock.now())).toEqual([]);
  });

  it('reads the table mutes at most once per cache period', async () => {
    const clock = new ManualClock();
    const cached = new CachedMuteSource([], mutes, clock, 60_000);
    expect(await cached.activeMutes(clock.now())).toEqual([]);
    await mutes.addMute(mute('mute-c', { action: '*' }));
    expect(await cached.activeMutes(clock.now())).toEqual([]); // still cached
    clock.advanceMinutes(1);
    expect((await cached.activeMutes(clock.now())).map((found) => found.id)).toEqual(['mute-c']);
  });
});

describe('console reads', () => {
  /** The test event, made a read from a console session the way CloudTrail records one. */
  function consoleRead(eventId: string, fields: Record<string, unknown>): Diagnosis {
    const event = denialEvent({ eventId, eventName: 'GetItem' });
    const detail = { ...(event.detail as Record<string, unknown>), readOnly: true, ...fields };
    const diagnosis = diagnose(readRecords(JSON.stringify({ ...event, detail }), 'console read')[0]);
    if (diagnosis === null) throw new Error('not a denial');
    return diagnosis;
  }

  it('records read-only denials from console sessions without alerting, unless console reads alert', async () => {
    const quietRun = setup();
    const byUserAgent = consoleRead('c-1', { userAgent: 'console.amazonaws.com' });
    const byCredential = consoleRead('c-2', { sessionCredentialFromConsole: 'true', userAgent: 'Mozilla/5.0' });
    expect(byUserAgent).toMatchObject({ readOnly: true, consoleSession: true });
    expect(await quietRun.occur(byUserAgent)).toMatchObject({ kind: 'suppressed', reason: 'console-read', newIncident: true });
    expect(await quietRun.occur(byCredential)).toMatchObject({ kind: 'suppressed', reason: 'console-read', incident: { count: 2 } });
    expect(quietRun.inbox.alerts).toHaveLength(0);
    // A write from the console, or a read from the SDK, alerts as usual.
    const write = consoleRead('c-3', { readOnly: false, userAgent: 'console.amazonaws.com' });
    expect(write.readOnly).toBe(false);
    expect(await quietRun.occur(write)).toMatchObject({ kind: 'alerted' });

    tableName = await dynamo.createTable();
    store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
    const loud = setup({ alertOnConsoleReads: true });
    expect(await loud.occur(consoleRead('c-4', { userAgent: 'signin.amazonaws.com' }))).toMatchObject({ kind: 'alerted' });
  });

  (corpusAvailable ? it : it.skip)('reads a real console-session denial from the corpus as a console read', () => {
    const [record] = readRecords(readCorpusFile('jsherz-1.json'), 'jsherz-1.json');
    expect(diagnose(record)).toMatchObject({ readOnly: true, consoleSession: true });
  });
});
