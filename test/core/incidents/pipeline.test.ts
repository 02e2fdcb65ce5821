import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb-incident-store';
import type { Diagnosis } from '../../../core/diagnosis';
import { incidentIdFor } from '../../../core/incidents/identity';
import type { Incident } from '../../../core/incidents/model';
import { createIncidentPipeline, type IncidentPipelineDeps } from '../../../core/incidents/pipeline';
import type { DeliveryResult, Enricher, IncidentStore, Notifier, PipelineLog } from '../../../core/incidents/ports';
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
  return createIncidentPipeline({ store, notifiers: [new ScriptedNotifier('sns')], clock: new ManualClock(), dedupWindowMinutes: 60, ...overrides });
}

const event = (eventId: string): Diagnosis => diagnosisOf({ eventId });

describe('incident pipeline on dynalite', () => {
  it('opens an incident and alerts on the first occurrence, then only counts inside the window', async () => {
    const sns = new ScriptedNotifier('sns');
    const run = pipeline({ notifiers: [sns] });
    const log = recordingLog();
    expect(await run.process(event('a'), { budget, log })).toMatchObject({ kind: 'alerted', newIncident: true, counted: true, complete: true });
    expect(await run.process(event('b'), { budget, log })).toMatchObject({ kind: 'suppressed', newIncident: false, counted: true });
    expect(await run.process(event('b'), { budget, log })).toEqual({ kind: 'duplicate', incidentId: incidentIdFor(event('b')) });
    expect(sns.sent).toHaveLength(1);
    expect(sns.sent[0].alert).toMatchObject({ eventId: 'a', occurrencesSincePreviousAlert: 1, channels: { sns: { status: 'pending' } } });
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

  it('counts as suppressed when another event claimed the alert first, and clears its pending flag', async () => {
    const diagnosis = event('late');
    const id = incidentIdFor(diagnosis);
    const clock = new ManualClock();
    // Another event of the same incident claims the alert between this event's count and its claim.
    const racing: IncidentStore = Object.create(store) as IncidentStore;
    racing.recordOccurrence = async (incidentId, d) => {
      const incident = await store.recordOccurrence(incidentId, d);
      await store.claimAlert(incident, 'other-event', ['sns'], clock.now(), '2000-01-01T00:00:00.000Z');
      return incident;
    };
    const sns = new ScriptedNotifier('sns');
    const outcome = await pipeline({ store: racing, notifiers: [sns], clock }).process(diagnosis, { budget, log: recordingLog() });
    expect(outcome).toMatchObject({ kind: 'suppressed', counted: true });
    expect(sns.sent).toHaveLength(0);
    expect(await store.claimOccurrence(id, diagnosis, clock.now())).toBe('duplicate');
  });

  it('stops delivering an alert that a newer alert superseded', async () => {
    const clock = new ManualClock();
    const diagnosis = event('first');
    const id = incidentIdFor(diagnosis);
    const takeover = async () => {
      clock.advanceMinutes(120);
      const incident = await store.getIncident(id);
      if (incident) await store.claimAlert(incident, 'newer', ['sns', 'slack'], clock.now(), clock.now().toISOString());
    };
    const log = recordingLog();
    const outcome = await pipeline({ notifiers: [new ScriptedNotifier('sns', [], takeover), new ScriptedNotifier('slack')], clock }).process(diagnosis, { budget, log });
    expect(outcome.kind).toBe('suppressed');
    expect(log.lines).toContain('Alert superseded by a newer alert during delivery');
    expect((await store.getIncident(id))?.alert?.eventId).toBe('newer');
  });

  it('records a thrown notifier error as a failed channel', async () => {
    const broken: Notifier = { channel: 'sns', notify: () => Promise.reject(Object.assign(new Error('socket hang up'), { name: 'NetworkError' })) };
    const outcome = await pipeline({ notifiers: [broken] }).process(event('a'), { budget, log: recordingLog() });
    expect(outcome).toMatchObject({ kind: 'alerted', complete: false });
    if (outcome.kind !== 'alerted') throw new Error('unreachable');
    expect(outcome.incident.alert?.channels.sns).toMatchObject({ status: 'failed', detail: 'NetworkError: socket hang up' });
  });

  it('rethrows a failed incident update after releasing the occurrence, and logs when the release fails too', async () => {
    const failing: IncidentStore = Object.create(store) as IncidentStore;
    failing.recordOccurrence = () => Promise.reject(new Error('ProvisionedThroughputExceeded'));
    failing.releaseOccurrence = () => Promise.reject(new Error('still throttled'));
    const log = recordingLog();
    await expect(pipeline({ store: failing }).process(event('a'), { budget, log })).rejects.toThrow('ProvisionedThroughputExceeded');
    expect(log.lines).toEqual(['Could not release the occurrence after a failed incident update; its retry will count as a duplicate']);
  });
});
