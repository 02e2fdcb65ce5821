import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb-incident-store';
import type { Diagnosis } from '../../../core/diagnosis';
import { incidentIdFor } from '../../../core/incidents/identity';
import type { Incident } from '../../../core/incidents/model';
import { createIncidentPipeline, type IncidentPipelineDeps } from '../../../core/incidents/pipeline';
import type { DeliveryResult, DiagnosisDeepener, Enricher, IncidentStore, Notifier, PipelineLog } from '../../../core/incidents/ports';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { ManualClock } from '../../support/handler-harness';
import { diagnosisOf } from '../../support/incidents';

let dynamo: LocalDynamo;
let store: DynamoDbIncidentStore;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});
beforeEach(async () => {
  store = new DynamoDbIncidentStore(dynamo.documents, { tableName: await dynamo.createTable(), retentionDays: 90 });
});

const budget = { remainingMs: () => 60_000 };

function recordingLog(): PipelineLog & { lines: string[] } {
  const lines: string[] = [];
  const record = (message: string) => {
    lines.push(message);
  };
  return { lines, info: record, warn: record, error: record };
}

/** A channel that records what it was asked to send and answers from a script (then `sent`). */
class ScriptedNotifier implements Notifier {
  readonly sent: Incident[] = [];
  constructor(
    readonly channel: Notifier['channel'],
    private readonly script: DeliveryResult[] = [],
    private readonly during?: () => Promise<void>,
  ) {}

  async notify(incident: Incident): Promise<DeliveryResult> {
    await this.during?.();
    const result = this.script.shift() ?? { status: 'sent' };
    if (result.status === 'sent') this.sent.push(incident);
    return result;
  }
}

class CountingEnricher implements Enricher {
  calls = 0;
  appliesTo(): boolean {
    return true;
  }
  async enrich(): Promise<Record<string, unknown>> {
    this.calls += 1;
    return { key: { state: 'Disabled' } };
  }
}

function pipeline(overrides: Partial<IncidentPipelineDeps> = {}) {
  return createIncidentPipeline({
    store,
    notifiers: [new ScriptedNotifier('sns')],
    clock: new ManualClock(),
    dedupWindowMinutes: 60,
    ...overrides,
  });
}

const event = (eventId: string): Diagnosis => diagnosisOf({ eventId });
/** A lease of some other attempt, live until 10:05 on the ManualClock's day. */
const otherLease = { owner: 'other-attempt', until: '2026-11-20T10:05:00.000Z' };

describe('incident pipeline on dynalite', () => {
  it('opens an incident and alerts on the first occurrence, then only counts inside the window', async () => {
    const sns = new ScriptedNotifier('sns');
    const run = pipeline({ notifiers: [sns] });
    const log = recordingLog();
    expect(await run.process(event('a'), { budget, log })).toMatchObject({
      kind: 'alerted',
      newIncident: true,
      counted: true,
      complete: true,
    });
    expect(await run.process(event('b'), { budget, log })).toMatchObject({ kind: 'suppressed', newIncident: false, counted: true });
    expect(await run.process(event('b'), { budget, log })).toEqual({ kind: 'duplicate', incidentId: incidentIdFor(event('b')) });
    expect(sns.sent).toHaveLength(1);
    // The channel is notified while its send lease is held: the alert it receives says `sending`.
    expect(sns.sent[0].alert).toMatchObject({
      eventId: 'a',
      sequence: 1,
      occurrencesSincePreviousAlert: 1,
      channels: { sns: { status: 'sending' } },
    });
  });

  it('sends an alert only to the channels its routes chose, and a retry resumes those channels only', async () => {
    const sns = new ScriptedNotifier('sns');
    const teamA = new ScriptedNotifier('team-a', [{ status: 'failed', detail: 'HTTP 500' }]);
    const security = new ScriptedNotifier('security');
    // The selector's order does not matter: channels are delivered in the notifiers' order.
    const chosen: string[][] = [['team-a', 'sns']];
    const run = pipeline({ notifiers: [sns, teamA, security], channelsFor: () => chosen.shift() ?? ['security'] });
    const log = recordingLog();
    expect(await run.process(event('a'), { budget, log })).toMatchObject({ kind: 'alerted', complete: false, failedChannels: ['team-a'] });
    const incident = await store.getIncident(incidentIdFor(event('a')));
    expect(Object.keys(incident?.alert?.channels ?? {}).sort()).toEqual(['sns', 'team-a']);
    // The retry would now route to 'security' only: the alert keeps the channels chosen when it was claimed.
    expect(await run.process(event('a'), { budget, log })).toMatchObject({ kind: 'alerted', complete: true, counted: false });
    expect([sns.sent.length, teamA.sent.length, security.sent.length]).toEqual([1, 1, 0]);
  });

  it('enriches only when an alert is sent, and not again when a retry resumes it', async () => {
    const enricher = new CountingEnricher();
    const slack = new ScriptedNotifier('slack', [{ status: 'failed', detail: 'HTTP 500' }]);
    const run = pipeline({ notifiers: [new ScriptedNotifier('sns'), slack], enricher });
    const log = recordingLog();
    expect(await run.process(event('a'), { budget, log })).toMatchObject({ kind: 'alerted', complete: false, failedChannels: ['slack'] });
    expect(await run.process(event('a'), { budget, log })).toMatchObject({ kind: 'alerted', complete: true, counted: false });
    await run.process(event('b'), { budget, log });
    expect(enricher.calls).toBe(1);
    expect(slack.sent[0].enrichment).toEqual({ eventId: 'a', key: { state: 'Disabled' } });
  });

  it('deepens the diagnosis of an alert once, beside the enrichment, and not again when a retry resumes it or a repeat is counted', async () => {
    const enricher = new CountingEnricher();
    const deepened: string[] = [];
    const evaluation = {
      decision: 'explicit-deny' as const,
      deniedBy: [],
      missingAllow: [],
      unresolvedKeys: [],
      missingPolicies: ['principal: timed out'],
      agreesWithMessage: null,
      source: 'fetched' as const,
    };
    const deepener: DiagnosisDeepener = {
      deepen: async (diagnosis, record) => {
        deepened.push(`${diagnosis.eventId}:${String(record.eventID)}`);
        return { evaluation, confidence: 'certain', remediation: { ...diagnosis.remediation, summary: 'deep fix' } };
      },
    };
    const slack = new ScriptedNotifier('slack', [{ status: 'failed', detail: 'HTTP 500' }]);
    const run = pipeline({ notifiers: [new ScriptedNotifier('sns'), slack], enricher, deepener });
    const log = recordingLog();
    const record = { eventID: 'a' };
    expect(await run.process(event('a'), { budget, log, record })).toMatchObject({ kind: 'alerted', complete: false });
    expect(await run.process(event('a'), { budget, log, record })).toMatchObject({ kind: 'alerted', complete: true, counted: false });
    await run.process(event('b'), { budget, log, record: { eventID: 'b' } });
    expect(deepened).toEqual(['a:a']);
    expect(enricher.calls).toBe(1);
    expect(slack.sent[0].diagnosis).toMatchObject({ evaluation, confidence: 'certain', remediation: { summary: 'deep fix' } });
    expect((await store.getIncident(incidentIdFor(event('b'))))?.diagnosis).toMatchObject({ eventId: 'b', evaluation });
  });

  it('does not deepen an event processed without its record (denyscope local)', async () => {
    const deepen = jest.fn();
    const sns = new ScriptedNotifier('sns');
    await pipeline({ notifiers: [sns], deepener: { deepen } }).process(event('a'), { budget, log: recordingLog() });
    expect(deepen).not.toHaveBeenCalled();
    expect(sns.sent[0].diagnosis.evaluation).toBeNull();
  });

  it('counts as suppressed when another event claimed the alert first, and finishes its occurrence', async () => {
    const diagnosis = event('late');
    const id = incidentIdFor(diagnosis);
    const clock = new ManualClock();
    // Another event of the same incident claims the alert between this event's count and its claim.
    const racing: IncidentStore = Object.create(store) as IncidentStore;
    racing.recordOccurrence = async (incidentId, d) => {
      const incident = await store.recordOccurrence(incidentId, d);
      await store.claimAlert(incident, 'other-event', ['sns'], clock.now(), otherLease, null);
      return incident;
    };
    const sns = new ScriptedNotifier('sns');
    const outcome = await pipeline({ store: racing, notifiers: [sns], clock }).process(diagnosis, { budget, log: recordingLog() });
    expect(outcome).toMatchObject({ kind: 'suppressed', counted: true });
    expect(sns.sent).toHaveLength(0);
    expect(await store.claimOccurrence(id, diagnosis, clock.now(), otherLease)).toEqual({ kind: 'duplicate' });
  });

  it('stops delivering an alert that a newer alert superseded', async () => {
    const clock = new ManualClock();
    const diagnosis = event('first');
    const id = incidentIdFor(diagnosis);
    const takeover = async () => {
      clock.advanceMinutes(120);
      const incident = await store.getIncident(id);
      if (incident) await store.claimAlert(incident, 'newer', ['sns', 'slack'], clock.now(), otherLease, null);
    };
    const log = recordingLog();
    const outcome = await pipeline({
      notifiers: [new ScriptedNotifier('sns', [], takeover), new ScriptedNotifier('slack')],
      clock,
    }).process(diagnosis, { budget, log });
    expect(outcome.kind).toBe('suppressed');
    expect(log.lines).toContain('Alert superseded by a newer alert during delivery');
    expect((await store.getIncident(id))?.alert?.eventId).toBe('newer');
  });

  it('records a thrown notifier error as a failed channel', async () => {
    const broken: Notifier = {
      channel: 'sns',
      notify: () => Promise.reject(Object.assign(new Error('socket hang up'), { name: 'NetworkError' })),
    };
    const outcome = await pipeline({ notifiers: [broken] }).process(event('a'), { budget, log: recordingLog() });
    expect(outcome).toMatchObject({ kind: 'alerted', complete: false });
    if (outcome.kind !== 'alerted') throw new Error('unreachable');
    expect(outcome.incident.alert?.channels.sns).toMatchObject({ status: 'failed', detail: 'NetworkError: socket hang up' });
  });

  it("rethrows a failed store call; the retry after the attempt's lease ended counts the event once and alerts", async () => {
    const clock = new ManualClock();
    const failing: IncidentStore = Object.create(store) as IncidentStore;
    failing.markAlerting = () => Promise.reject(new Error('ProvisionedThroughputExceeded'));
    await expect(pipeline({ store: failing, clock }).process(event('a'), { budget, log: recordingLog() })).rejects.toThrow(
      'ProvisionedThroughputExceeded',
    );
    const sns = new ScriptedNotifier('sns');
    const retry = pipeline({ notifiers: [sns], clock });
    expect(await retry.process(event('a'), { budget, log: recordingLog() })).toEqual({
      kind: 'busy',
      incidentId: incidentIdFor(event('a')),
    });
    clock.advanceMinutes(2); // 60 s of budget plus the margin
    expect(await retry.process(event('a'), { budget, log: recordingLog() })).toMatchObject({
      kind: 'alerted',
      complete: true,
      counted: true,
      incident: { count: 1 },
    });
    expect(sns.sent).toHaveLength(1);
  });

  it('as the sole writer, resumes at once what a killed run left: every lease found belongs to an attempt that is over', async () => {
    const failing: IncidentStore = Object.create(store) as IncidentStore;
    failing.markAlerting = () => Promise.reject(new Error('killed'));
    await expect(pipeline({ store: failing, soleWriter: true }).process(event('a'), { budget, log: recordingLog() })).rejects.toThrow(
      'killed',
    );
    expect(await pipeline({ soleWriter: true }).process(event('a'), { budget, log: recordingLog() })).toMatchObject({
      kind: 'alerted',
      complete: true,
      incident: { count: 1 },
    });
  });

  it("does not send a channel another live attempt is sending; re-sends one whose sender's lease ended, saying the outcome is unknown", async () => {
    const clock = new ManualClock();
    const diagnosis = event('a');
    const id = incidentIdFor(diagnosis);
    // An attempt that claimed the alert and is sending SNS, whose occurrence lease was released.
    await store.claimOccurrence(id, diagnosis, clock.now(), otherLease);
    const incident = await store.recordOccurrence(id, diagnosis);
    await store.markAlerting(id, diagnosis, otherLease.owner);
    await store.claimAlert(incident, 'a', ['sns'], clock.now(), otherLease, null);
    await store.releaseOccurrence(id, diagnosis, otherLease.owner);

    const sns = new ScriptedNotifier('sns');
    const log = recordingLog();
    expect(await pipeline({ notifiers: [sns], clock }).process(diagnosis, { budget, log })).toEqual({ kind: 'busy', incidentId: id });
    expect(sns.sent).toHaveLength(0);
    clock.advanceMinutes(10); // past otherLease.until
    expect(await pipeline({ notifiers: [sns], clock }).process(diagnosis, { budget, log })).toMatchObject({
      kind: 'alerted',
      complete: true,
      counted: false,
    });
    expect(sns.sent).toHaveLength(1);
    expect(log.lines).toContain('Delivery outcome unknown: an earlier attempt stopped while sending; sending again');
  });

  it('writes a lost channel status again, in-process, a bounded number of times', async () => {
    const flaky: IncidentStore = Object.create(store) as IncidentStore;
    let failures = 2;
    flaky.setChannelDelivery = (...args) =>
      failures-- > 0 ? Promise.reject(new Error('TimeoutError')) : store.setChannelDelivery(...args);
    const sns = new ScriptedNotifier('sns');
    expect(await pipeline({ store: flaky, notifiers: [sns] }).process(event('a'), { budget, log: recordingLog() })).toMatchObject({
      kind: 'alerted',
      complete: true,
    });
    expect(sns.sent).toHaveLength(1);

    const broken: IncidentStore = Object.create(store) as IncidentStore;
    let calls = 0;
    broken.setChannelDelivery = () => {
      calls += 1;
      return Promise.reject(new Error('TimeoutError'));
    };
    await expect(
      pipeline({ store: broken }).process(diagnosisOf({ eventId: 'b', roleName: 'other' }), { budget, log: recordingLog() }),
    ).rejects.toThrow('TimeoutError');
    expect(calls).toBe(3);
  });
});
