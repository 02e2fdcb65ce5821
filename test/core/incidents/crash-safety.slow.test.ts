import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb-incident-store';
import type { Diagnosis } from '../../../core/diagnosis';
import { incidentIdFor } from '../../../core/incidents/identity';
import type { Incident } from '../../../core/incidents/model';
import { createIncidentPipeline, type PipelineOutcome } from '../../../core/incidents/pipeline';
import type { DeliveryResult, Enricher, Notifier, PipelineLog } from '../../../core/incidents/ports';
import { INCIDENT_SORT_KEY, incidentPk, OCCURRENCE_SK_PREFIX } from '../../../core/incidents/schema';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { ManualClock } from '../../support/handler-harness';
import { diagnosisOf } from '../../support/incidents';
import { Crash, RecordingChannel, StepCounter, steppedDocuments, steppedNotifier, type Receipt } from './faults';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});

const budget = { remainingMs: () => 60_000 };
const quiet: PipelineLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const options = { budget, log: quiet };

describe('defects of issue 8, reproduced', () => {
  it('a crash between the occurrence write and the incident update does not lose the count', async () => {
    const tableName = await dynamo.createTable();
    const clock = new ManualClock();
    const receipts: Receipt[] = [];
    const diagnosis = diagnosisOf({ eventId: 'crash-1' });
    const counter = new StepCounter(1);
    const crashing = createIncidentPipeline({
      store: new DynamoDbIncidentStore(steppedDocuments(dynamo.documents, counter), { tableName, retentionDays: 90 }),
      notifiers: [new RecordingChannel('sns', receipts)],
      clock,
      dedupWindowMinutes: 60,
    });
    await expect(crashing.process(diagnosis, options)).rejects.toThrow('crashed before UpdateCommand');

    clock.advanceMinutes(6); // SQS redelivers after the visibility timeout
    const store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
    const retry = createIncidentPipeline({ store, notifiers: [new RecordingChannel('sns', receipts)], clock, dedupWindowMinutes: 60 });
    await retry.process(diagnosis, options);
    expect((await store.getIncident(incidentIdFor(diagnosis)))?.count).toBe(1);
    expect(receipts).toHaveLength(1);
  });

  it('a lost response to the incident update does not count the event twice', async () => {
    const tableName = await dynamo.createTable();
    const clock = new ManualClock();
    const diagnosis = diagnosisOf({ eventId: 'lost-1' });
    let sends = 0;
    const losing = new Proxy(dynamo.documents, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
        return async (command: never) => {
          const result = await target.send(command);
          sends += 1;
          if (sends === 2) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
          return result;
        };
      },
    });
    const first = createIncidentPipeline({
      store: new DynamoDbIncidentStore(losing, { tableName, retentionDays: 90 }),
      notifiers: [new RecordingChannel('sns', [])],
      clock,
      dedupWindowMinutes: 60,
    });
    await expect(first.process(diagnosis, options)).rejects.toThrow('socket hang up');
    clock.advanceMinutes(6);
    const store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
    await createIncidentPipeline({ store, notifiers: [new RecordingChannel('sns', [])], clock, dedupWindowMinutes: 60 }).process(
      diagnosis,
      options,
    );
    expect((await store.getIncident(incidentIdFor(diagnosis)))?.count).toBe(1);
  });

  it('a redelivery arriving while the first delivery is still sending does not send again', async () => {
    const tableName = await dynamo.createTable();
    const clock = new ManualClock();
    const receipts: Receipt[] = [];
    const slow = (channel: Notifier['channel']): Notifier => {
      const recording = new RecordingChannel(channel, receipts);
      return {
        channel,
        notify: async (incident: Incident): Promise<DeliveryResult> => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          return recording.notify(incident);
        },
      };
    };
    const store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
    const pipeline = createIncidentPipeline({ store, notifiers: [slow('sns'), slow('slack')], clock, dedupWindowMinutes: 60 });
    const diagnosis: Diagnosis = diagnosisOf({ eventId: 'concurrent-1' });
    const deliveries = [0, 50, 100].map((delayMs) =>
      new Promise((resolve) => setTimeout(resolve, delayMs)).then(() => pipeline.process(diagnosis, options)),
    );
    const outcomes = await Promise.all(deliveries);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['alerted', 'busy', 'busy']);
    // SQS retries the busy ones after the visibility timeout: by then the first delivery finished.
    clock.advanceMinutes(6);
    expect(await pipeline.process(diagnosis, options)).toEqual({ kind: 'duplicate', incidentId: incidentIdFor(diagnosis) });
    expect(receipts.filter((receipt) => receipt.channel === 'sns')).toHaveLength(1);
    expect(receipts.filter((receipt) => receipt.channel === 'slack')).toHaveLength(1);
  });

  it('a failed "sent" status write after a successful send does not re-send on the retry', async () => {
    const tableName = await dynamo.createTable();
    const clock = new ManualClock();
    const receipts: Receipt[] = [];
    const diagnosis = diagnosisOf({ eventId: 'status-1' });
    let failedOnce = false;
    const failing = new Proxy(dynamo.documents, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
        return async (command: { input: { UpdateExpression?: string } }) => {
          if (!failedOnce && command.input.UpdateExpression?.includes('alert.channels.#channel') && receipts.length === 1) {
            failedOnce = true;
            throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });
          }
          return target.send(command as never);
        };
      },
    });
    const first = createIncidentPipeline({
      store: new DynamoDbIncidentStore(failing, { tableName, retentionDays: 90 }),
      notifiers: [new RecordingChannel('sns', receipts)],
      clock,
      dedupWindowMinutes: 60,
    });
    await first.process(diagnosis, options).catch(() => undefined);
    clock.advanceMinutes(6);
    const store = new DynamoDbIncidentStore(dynamo.documents, { tableName, retentionDays: 90 });
    await createIncidentPipeline({ store, notifiers: [new RecordingChannel('sns', receipts)], clock, dedupWindowMinutes: 60 }).process(
      diagnosis,
      options,
    );
    expect(failedOnce).toBe(true);
    expect(receipts).toHaveLength(1);
  });
});

// ------------------------------------------------------------------------------------------------------------------
// Every step boundary: a crash before and after each DynamoDB call and each notification, then two replays.

/** One delivery of an event, processed `minute` minutes after the scenario starts (processing time drives the window). */
interface Delivery {
  readonly minute: number;
  readonly diagnosis: Diagnosis;
}

const START = new Date('2026-11-20T10:00:00.000Z');
const e1 = diagnosisOf({ eventId: 'a-1', eventTime: '2026-11-20T09:15:00Z' });
const e2 = diagnosisOf({ eventId: 'a-2', eventTime: '2026-11-20T09:20:00Z' });
const e3 = diagnosisOf({ eventId: 'a-3', eventTime: '2026-11-20T09:00:00Z' }); // older than the first: moves firstSeen back
const e4 = diagnosisOf({ eventId: 'a-4', eventTime: '2026-11-20T10:30:00Z' });
const SCENARIO: readonly Delivery[] = [
  { minute: 0, diagnosis: e1 }, // a new incident: alert 1 on both channels, enriched
  { minute: 5, diagnosis: e2 }, // a repeat inside the window
  { minute: 6, diagnosis: e2 }, // the same event delivered again
  { minute: 10, diagnosis: e3 }, // a repeat, out of order
  { minute: 71, diagnosis: e4 }, // after the window: alert 2
];
const INCIDENT_ID = incidentIdFor(e1);

/**
 * The oracle, from the scenario and the alert policy as the README states it (not from the pipeline): each distinct
 * event counted once; the first occurrence alerts, a repeat more than 60 minutes (processing time) after the last
 * alert alerts again; an alert says how many occurrences were counted since the previous one.
 */
function expectedState() {
  const eventIds = new Set<string>();
  const alerts: { sequence: number; eventId: string; since: number; minute: number }[] = [];
  for (const { minute, diagnosis } of SCENARIO) {
    if (eventIds.has(diagnosis.eventId)) continue;
    eventIds.add(diagnosis.eventId);
    const last = alerts.at(-1);
    if (last === undefined || minute - last.minute > 60) {
      alerts.push({
        sequence: alerts.length + 1,
        eventId: diagnosis.eventId,
        since: eventIds.size - alerts.reduce((sum, alert) => sum + alert.since, 0),
        minute,
      });
    }
  }
  const times = SCENARIO.map(({ diagnosis }) => diagnosis.eventTime).sort();
  return { count: eventIds.size, firstSeen: times[0], lastSeen: times.at(-1), alerts };
}

/** Enriches every alert, so the enrichment write is one of the steps crashed at. */
class EveryAlertEnricher implements Enricher {
  appliesTo(): boolean {
    return true;
  }
  enrich(): Promise<Record<string, unknown>> {
    return Promise.resolve({ table: { sseType: 'KMS' } });
  }
}

type Mode = 'sole writer' | 'leases end';
/** How far each replay comes after the run before it: SQS's retry comes after the visibility timeout, when leases ended. */
const REPLAY_DELAY_MINUTES: Record<Mode, number> = { 'sole writer': 0, 'leases end': 2 };

interface RunResult {
  readonly steps: readonly string[];
  readonly outcomes: readonly PipelineOutcome[];
  /** Events that failed without a crash (each would be retried by SQS). */
  readonly errors: readonly unknown[];
  /** The event being processed when the process died. */
  readonly crashedIn: Diagnosis | null;
}

interface RunOptions {
  /** Crash after this many steps. */
  readonly stopAfter?: number;
  /** The document client the store uses (default: dynalite's). */
  readonly documents?: DynamoDBDocumentClient;
  /** Retry an event that failed (not crashed) this many minutes later, as SQS does after the visibility timeout. */
  readonly retryFailedAfterMinutes?: number;
}

async function runScenario(
  tableName: string,
  receipts: Receipt[],
  mode: Mode,
  delayMinutes: number,
  run: RunOptions = {},
): Promise<RunResult> {
  const counter = new StepCounter(run.stopAfter ?? null);
  const clock = new ManualClock(START);
  const pipeline = createIncidentPipeline({
    store: new DynamoDbIncidentStore(steppedDocuments(run.documents ?? dynamo.documents, counter), { tableName, retentionDays: 90 }),
    notifiers: [
      steppedNotifier(new RecordingChannel('sns', receipts), counter),
      steppedNotifier(new RecordingChannel('slack', receipts), counter),
    ],
    enricher: new EveryAlertEnricher(),
    clock,
    dedupWindowMinutes: 60,
    soleWriter: mode === 'sole writer',
  });
  const outcomes: PipelineOutcome[] = [];
  const errors: unknown[] = [];
  const minutesSinceStart = () => (clock.now().getTime() - START.getTime()) / 60_000;
  for (const { minute, diagnosis } of SCENARIO) {
    // Processing time only moves forward: a retry may push later deliveries back a little.
    clock.advanceMinutes(Math.max(0, minute + delayMinutes - minutesSinceStart()));
    for (let tries = 1; ; tries += 1) {
      try {
        outcomes.push(await pipeline.process(diagnosis, options));
        break;
      } catch (error) {
        if (error instanceof Crash) return { steps: counter.steps, outcomes, errors, crashedIn: diagnosis };
        // Not a crash: the handler reports the message as failed and goes on; SQS retries it after the visibility timeout.
        errors.push(error);
        if (run.retryFailedAfterMinutes === undefined || tries === 3) break;
        clock.advanceMinutes(run.retryFailedAfterMinutes);
      }
    }
  }
  return { steps: counter.steps, outcomes, errors, crashedIn: null };
}

/**
 * The invariants after the replays, as a list of violations (empty when all hold). `resentOnce`: the alert a channel
 * may receive twice (the crash fell between its send and its status write). `leftCounting`: the event whose id may stay
 * on the incident (the crash fell between its occurrence's last write and that cleanup; harmless, see the README).
 */
async function violations(
  tableName: string,
  receipts: readonly Receipt[],
  resentOnce: Receipt | null,
  leftCounting: string | null,
): Promise<string[]> {
  const found: string[] = [];
  const expected = expectedState();
  const { Item: item } = await dynamo.documents.send(
    new GetCommand({ TableName: tableName, Key: { pk: incidentPk(INCIDENT_ID), sk: INCIDENT_SORT_KEY }, ConsistentRead: true }),
  );
  if (item === undefined) return ['incident missing'];
  if (item.count !== expected.count) found.push(`count ${item.count}, expected ${expected.count}`);
  if (item.firstSeen !== expected.firstSeen || item.lastSeen !== expected.lastSeen) {
    found.push(`seen ${item.firstSeen}..${item.lastSeen}, expected ${expected.firstSeen}..${expected.lastSeen}`);
  }
  const counting = [...((item.countingEventIds as Set<string> | undefined) ?? [])].filter((eventId) => eventId !== leftCounting);
  if (counting.length > 0) found.push(`events left marked as being counted: ${counting.join(', ')}`);
  const { Items: occurrences = [] } = await dynamo.documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :occ)',
      ExpressionAttributeValues: { ':pk': incidentPk(INCIDENT_ID), ':occ': OCCURRENCE_SK_PREFIX },
      ConsistentRead: true,
    }),
  );
  if (occurrences.length !== expected.count) found.push(`${occurrences.length} occurrences, expected ${expected.count}`);
  const last = expected.alerts.at(-1);
  const alert = item.alert as Incident['alert'];
  if (alert?.sequence !== last?.sequence || alert?.eventId !== last?.eventId || alert?.occurrencesSincePreviousAlert !== last?.since) {
    found.push(
      `last alert ${JSON.stringify(alert && { sequence: alert.sequence, eventId: alert.eventId, since: alert.occurrencesSincePreviousAlert })}, expected ${JSON.stringify(last)}`,
    );
  }
  for (const channel of ['sns', 'slack'] as const) {
    if (alert?.channels[channel]?.status !== 'sent') found.push(`${channel} of the last alert is ${alert?.channels[channel]?.status}`);
    for (const { sequence, eventId } of expected.alerts) {
      const got = receipts.filter((receipt) => receipt.channel === channel && receipt.sequence === sequence);
      const times = resentOnce?.channel === channel && resentOnce.sequence === sequence ? 2 : 1;
      if (got.length !== times) found.push(`alert ${sequence} reached ${channel} ${got.length} times, expected ${times}`);
      if (got.some((receipt) => receipt.eventId !== eventId || receipt.incidentId !== INCIDENT_ID))
        found.push(`alert ${sequence} on ${channel}: ${JSON.stringify(got)}`);
    }
  }
  const unexpected = receipts.filter((receipt) => !expected.alerts.some((alert) => alert.sequence === receipt.sequence));
  if (unexpected.length > 0) found.push(`unexpected alerts ${JSON.stringify(unexpected)}`);
  return found;
}

describe.each<Mode>(['sole writer', 'leases end'])('a crash at every step boundary (%s), then two replays', (mode) => {
  it('counts every event once, delivers every due alert once (twice only when a send outcome was unknown), leaves no work', async () => {
    const clean = await runScenario(await dynamo.createTable(), [], mode, 0);
    expect(clean.crashedIn).toBeNull();
    expect(clean.errors).toEqual([]);
    expect(clean.outcomes.map((outcome) => outcome.kind)).toEqual(['alerted', 'suppressed', 'duplicate', 'suppressed', 'alerted']);
    // Enumerated from the clean run, so a step added to the pipeline is crashed at too.
    const { steps } = clean;
    expect(steps.length).toBeGreaterThan(SCENARIO.length * 2);

    const failures: string[] = [];
    let unknownOutcomes = 0;
    for (let stopAfter = 0; stopAfter < steps.length; stopAfter += 1) {
      const where = `crash after step ${stopAfter} (${steps[stopAfter - 1] ?? 'none'}), before step ${stopAfter + 1} (${steps[stopAfter]})`;
      const tableName = await dynamo.createTable();
      const receipts: Receipt[] = [];
      const crashed = await runScenario(tableName, receipts, mode, 0, { stopAfter });
      if (crashed.crashedIn === null) {
        failures.push(`${where}: the run did not reach that step`);
        continue;
      }
      const lastStep = steps[stopAfter - 1] ?? '';
      const resentOnce = lastStep.startsWith('notify ') ? (receipts.at(-1) ?? null) : null;
      if (resentOnce !== null) unknownOutcomes += 1;
      const leftCounting = lastStep.includes('SET #state = :done') ? crashed.crashedIn.eventId : null;
      const delay = REPLAY_DELAY_MINUTES[mode];
      const replay = await runScenario(tableName, receipts, mode, delay);
      if (replay.errors.length > 0) failures.push(`${where}: the replay failed: ${replay.errors.map(String).join('; ')}`);
      const incomplete = replay.outcomes.filter((outcome) => outcome.kind === 'busy' || (outcome.kind === 'alerted' && !outcome.complete));
      if (incomplete.length > 0) failures.push(`${where}: the replay left ${incomplete.map((outcome) => outcome.kind).join(', ')}`);
      const again = await runScenario(tableName, receipts, mode, delay * 2);
      if (again.outcomes.some((outcome) => outcome.kind !== 'duplicate')) {
        failures.push(`${where}: the second replay found work left: ${again.outcomes.map((outcome) => outcome.kind).join(', ')}`);
      }
      failures.push(...(await violations(tableName, receipts, resentOnce, leftCounting)).map((violation) => `${where}: ${violation}`));
    }
    expect(failures).toEqual([]);
    // The one unknown outcome per send: a crash after the notification, before its status write.
    expect(unknownOutcomes).toBe(steps.filter((label) => label.startsWith('notify ')).length);
  }, 300_000);
});

// ------------------------------------------------------------------------------------------------------------------
// A lost response: the write is applied, the client is told it failed.

const WRITE_COMMANDS = new Set(['UpdateItemCommand', 'PutItemCommand', 'DeleteItemCommand']);

type Loss = 'the pipeline is told' | 'the SDK retries it';

/**
 * A client on dynalite whose `lose`-th write is applied and then answered with a connection reset. Placed outside the
 * SDK's retries, the pipeline sees the error; placed inside them (deserialize step), the SDK sends the write again.
 */
interface LosingClient {
  readonly documents: DynamoDBDocumentClient;
  writes(): number;
  /** The write whose response was lost. */
  lostWrite(): { UpdateExpression?: string } | null;
  destroy(): void;
}

function losingClient(loss: Loss, lose: number | null): LosingClient {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  let writes = 0;
  let lostWrite: ReturnType<LosingClient['lostWrite']> = null;
  const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  const loseOne = async <Args extends { input: object }, Result>(
    next: (args: Args) => Promise<Result>,
    commandName: unknown,
    args: Args,
  ): Promise<Result> => {
    if (!WRITE_COMMANDS.has(String(commandName))) return next(args);
    writes += 1;
    const lost = writes === lose;
    if (lost) lostWrite = args.input as NonNullable<typeof lostWrite>;
    const result = await next(args).catch((error: unknown) => {
      if (lost) throw reset();
      throw error;
    });
    if (lost) throw reset();
    return result;
  };
  // Initialize runs before the SDK's retries, deserialize inside them.
  if (loss === 'the pipeline is told') {
    client.middlewareStack.add((next, context) => (args) => loseOne(next, context.commandName, args), {
      step: 'initialize',
      name: 'loseOneResponse',
    });
  } else {
    client.middlewareStack.add((next, context) => (args) => loseOne(next, context.commandName, args), {
      step: 'deserialize',
      name: 'loseOneResponse',
    });
  }
  return {
    documents: DynamoDBDocumentClient.from(client),
    writes: () => writes,
    lostWrite: () => lostWrite,
    destroy: () => client.destroy(),
  };
}

describe.each<Loss>(['the pipeline is told', 'the SDK retries it'])('a lost response to each write in turn (%s)', (loss) => {
  it('counts every event once and sends every alert once on every channel', async () => {
    const counting = losingClient(loss, null);
    const clean = await runScenario(await dynamo.createTable(), [], 'leases end', 0, { documents: counting.documents });
    counting.destroy();
    expect(clean.errors).toEqual([]);
    const writeCount = counting.writes();
    expect(writeCount).toBeGreaterThan(SCENARIO.length);

    const failures: string[] = [];
    for (let lose = 1; lose <= writeCount; lose += 1) {
      const tableName = await dynamo.createTable();
      const receipts: Receipt[] = [];
      const losing = losingClient(loss, lose);
      await runScenario(tableName, receipts, 'leases end', 0, { documents: losing.documents, retryFailedAfterMinutes: 2 });
      losing.destroy();
      const lostWrite = losing.lostWrite();
      const where = `response to write ${lose} (${lostWrite?.UpdateExpression}) lost`;
      // SQS may deliver every message again (at least once), then again.
      const replay = await runScenario(tableName, receipts, 'leases end', 10);
      const again = await runScenario(tableName, receipts, 'leases end', 20);
      if (replay.errors.length > 0) failures.push(`${where}: the replay failed: ${replay.errors.map(String).join('; ')}`);
      if (again.outcomes.some((outcome) => outcome.kind !== 'duplicate')) failures.push(`${where}: work left after the replay`);
      failures.push(...(await violations(tableName, receipts, null, null)).map((violation) => `${where}: ${violation}`));
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
