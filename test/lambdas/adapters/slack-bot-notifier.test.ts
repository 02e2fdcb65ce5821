import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb-incident-store';
import { StaticSecret } from '../../../lambdas/adapters/secret-value';
import { SlackBotNotifier, SlackStateReflector, SlackWebApi } from '../../../lambdas/adapters/slack-bot-notifier';
import { incidentIdFor } from '../../../core/incidents/identity';
import type { Incident } from '../../../core/incidents/model';
import { createIncidentPipeline } from '../../../core/incidents/pipeline';
import type { PipelineLog } from '../../../core/incidents/ports';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { ManualClock } from '../../support/handler-harness';
import { diagnosisOf, incidentOf, INJECTION, poisonedIncident } from '../../support/incidents';
import { startSlackStandIn, type SlackStandIn } from '../../support/slack-server';

let slack: SlackStandIn;
let dynamo: LocalDynamo;
let store: DynamoDbIncidentStore;
const CHANNEL = 'C0ALERTS01';
const budget = { remainingMs: () => 60_000 };

beforeAll(async () => {
  [slack, dynamo] = await Promise.all([startSlackStandIn(), startDynalite()]);
});
afterAll(async () => {
  await Promise.all([slack?.stop(), dynamo?.stop()]);
});
beforeEach(async () => {
  slack.requests.length = 0;
  slack.always({ status: 200 });
  store = new DynamoDbIncidentStore(dynamo.documents, { tableName: await dynamo.createTable(), retentionDays: 90 });
});

function api(options: { token?: string | null; remainingMs?: number; now?: () => number } = {}) {
  const sleeps: number[] = [];
  const webApi = new SlackWebApi({
    token: new StaticSecret(options.token === undefined ? slack.botToken : options.token),
    apiBaseUrl: slack.apiUrl,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    backoffMs: 100,
    now: options.now ?? (() => 0),
  });
  return { webApi, sleeps };
}

function botNotifier(options: { token?: string | null; channelId?: string; now?: () => number } = {}) {
  const { webApi, sleeps } = api(options);
  const warnings: string[] = [];
  const notifier = new SlackBotNotifier({
    api: webApi,
    channelId: options.channelId ?? CHANNEL,
    warn: (message) => warnings.push(message),
  });
  return { notifier, sleeps, warnings };
}

function silentLog(): PipelineLog & { lines: string[] } {
  const lines: string[] = [];
  const record = (message: string, attributes?: Record<string, unknown>) => {
    lines.push(`${message} ${JSON.stringify(attributes ?? {})}`);
  };
  return { lines, info: record, warn: record, error: record };
}

const blockTexts = (blocks: unknown[]): string => JSON.stringify(blocks);

describe('Slack bot threads through the pipeline (dynalite + Slack Web API stand-in)', () => {
  it('posts the first alert as the root, keeps its ts, threads the repeat after the window and updates the root', async () => {
    const clock = new ManualClock();
    const { notifier } = botNotifier();
    const pipeline = createIncidentPipeline({ store, notifiers: [notifier], clock, dedupWindowMinutes: 60 });
    const log = silentLog();
    const first = diagnosisOf({ eventId: 'first' });
    const id = incidentIdFor(first);

    expect(await pipeline.process(first, { budget, log })).toMatchObject({ kind: 'alerted', complete: true });
    const [root] = slack.messages(CHANNEL);
    expect(root.thread_ts).toBeUndefined();
    expect(blockTexts(root.blocks)).toContain('*State:* open');
    expect((await store.getIncident(id))?.threads).toEqual({ slack: `${CHANNEL}/${root.ts}` });

    clock.advanceMinutes(10);
    expect(await pipeline.process(diagnosisOf({ eventId: 'inside-window' }), { budget, log })).toMatchObject({ kind: 'suppressed' });
    expect(slack.messages(CHANNEL)).toHaveLength(1);

    clock.advanceMinutes(60);
    expect(await pipeline.process(diagnosisOf({ eventId: 'after-window' }), { budget, log })).toMatchObject({
      kind: 'alerted',
      complete: true,
    });
    const messages = slack.messages(CHANNEL);
    expect(messages).toHaveLength(2);
    expect(messages[1].thread_ts).toBe(root.ts);
    // Two occurrences since the first alert: the one inside the window and this one.
    expect(messages[1].text).toContain('(2 more)');
    expect(root.edits).toBe(1);
    expect(blockTexts(root.blocks)).toContain('*Occurrences:* 3');
    expect(blockTexts(root.blocks)).toContain('*Alerts:* 2 (repeats in the thread)');
    // The root keeps the incident's headline; the repeat count belongs to the reply.
    expect(root.text).not.toContain('more)');
    expect((await store.getIncident(id))?.threads).toEqual({ slack: `${CHANNEL}/${root.ts}` });
    expect(log.lines.join('\n')).not.toContain(slack.botToken);
  });

  it('keeps the first thread when a second reference is offered for the same channel', async () => {
    const clock = new ManualClock();
    const pipeline = createIncidentPipeline({ store, notifiers: [botNotifier().notifier], clock, dedupWindowMinutes: 60 });
    const diagnosis = diagnosisOf({ eventId: 'one' });
    await pipeline.process(diagnosis, { budget, log: silentLog() });
    const id = incidentIdFor(diagnosis);
    const recorded = (await store.getIncident(id))!.threads.slack;
    expect(await store.recordThread(id, 'slack', `${CHANNEL}/9999999999.000100`)).toBe(false);
    expect(await store.recordThread(id, 'pagerduty', id)).toBe(true);
    expect((await store.getIncident(id))?.threads).toEqual({ slack: recorded, pagerduty: id });
  });

  it('records no thread when the post fails, so the next alert posts a root again', async () => {
    const clock = new ManualClock();
    const pipeline = createIncidentPipeline({
      store,
      notifiers: [botNotifier({ channelId: 'C0MISSING9' }).notifier],
      clock,
      dedupWindowMinutes: 60,
    });
    const diagnosis = diagnosisOf({ eventId: 'lost' });
    expect(await pipeline.process(diagnosis, { budget, log: silentLog() })).toMatchObject({ kind: 'alerted', failedChannels: ['slack'] });
    const incident = await store.getIncident(incidentIdFor(diagnosis));
    expect(incident?.threads).toEqual({});
    expect(incident?.alert?.channels.slack).toMatchObject({ status: 'failed', detail: 'chat.postMessage: channel_not_found' });
  });
});

describe('SlackBotNotifier against the Web API stand-in', () => {
  const incident = incidentOf(diagnosisOf());

  it('sends JSON with the token as a Bearer header, no link_names or parse', async () => {
    const result = await botNotifier().notifier.notify(incident, budget);
    expect(result).toMatchObject({ status: 'sent', reference: expect.stringMatching(/^C0ALERTS01\/\d+\.\d+$/) });
    const [request] = slack.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/api/chat.postMessage' });
    expect(request.headers.authorization).toBe(`Bearer ${slack.botToken}`);
    expect(request.headers['content-type']).toContain('application/json');
    const body = JSON.parse(request.body) as Record<string, unknown>;
    expect(body).toMatchObject({ channel: CHANNEL, unfurl_links: false, unfurl_media: false });
    expect(body).not.toHaveProperty('link_names');
    expect(body).not.toHaveProperty('parse');
  });

  it.each([
    ['a wrong token', { token: 'xoxb-0000-wrong' }, 'chat.postMessage: invalid_auth'],
    ['an unknown channel', { channelId: 'C0MISSING9' }, 'chat.postMessage: channel_not_found'],
    ['a channel the bot is not in', { channelId: 'C0NOBOT003' }, 'chat.postMessage: not_in_channel'],
  ])('fails at once with Slack’s error for %s, without the token', async (_case, options, detail) => {
    const result = await botNotifier(options).notifier.notify(incident, budget);
    expect(result).toEqual({ status: 'failed', detail });
    expect(slack.requests).toHaveLength(1);
    expect(JSON.stringify(result)).not.toContain('xoxb');
  });

  it('waits Retry-After on 429 ratelimited and retries', async () => {
    slack.script({ status: 429, retryAfterSeconds: 3 });
    const { notifier, sleeps } = botNotifier();
    expect(await notifier.notify(incident, budget)).toMatchObject({ status: 'sent' });
    expect(sleeps).toEqual([3000]);
    expect(slack.requests).toHaveLength(2);
  });

  it('fails when Retry-After does not fit the remaining time', async () => {
    slack.script({ status: 429, retryAfterSeconds: 30 });
    const { webApi } = api();
    const notifier = new SlackBotNotifier({ api: webApi, channelId: CHANNEL, warn: () => undefined });
    expect(await notifier.notify(incident, { remainingMs: () => 10_000 })).toEqual({
      status: 'failed',
      detail: 'chat.postMessage: HTTP 429 ratelimited; retry in 30000 ms does not fit the remaining time',
    });
  });

  it('retries an ok:false answer that Slack documents as transient', async () => {
    slack.script({ apiError: 'internal_error' });
    const { notifier, sleeps } = botNotifier();
    expect(await notifier.notify(incident, budget)).toMatchObject({ status: 'sent' });
    expect(sleeps).toEqual([100]);
  });

  it('spaces two posts to one channel a second apart', async () => {
    let now = 5_000;
    const { notifier, sleeps } = botNotifier({ now: () => now });
    await notifier.notify(incident, budget);
    now += 200;
    await notifier.notify(incident, budget);
    expect(sleeps).toEqual([800]);
  });

  it('reports a root that can no longer be updated, with the reply sent', async () => {
    const repeat = incidentOf(diagnosisOf(), { threads: { slack: `${CHANNEL}/1.000100` } });
    // The stand-in has no message 1.000100: Slack answers thread_not_found for a reply to it.
    expect(await botNotifier().notifier.notify(repeat, budget)).toEqual({ status: 'failed', detail: 'chat.postMessage: thread_not_found' });
    const root = await botNotifier().notifier.notify(incident, budget);
    const threaded = incidentOf(diagnosisOf(), { threads: { slack: (root as { reference: string }).reference } });
    slack.script({ status: 200 }, { apiError: 'cant_update_message' });
    expect(await botNotifier().notifier.notify(threaded, budget)).toEqual({
      status: 'sent',
      detail: 'thread reply sent; root message not updated (chat.update: cant_update_message)',
    });
  });

  it('skips with one warning per container when no token is configured', async () => {
    const { notifier, warnings } = botNotifier({ token: null });
    expect(await notifier.notify(incident, budget)).toEqual({ status: 'skipped', detail: 'no Slack bot token configured' });
    await notifier.notify(incident, budget);
    expect(warnings).toEqual(['No Slack bot token configured: Slack alerts are skipped']);
    expect(slack.requests).toHaveLength(0);
  });

  it('escapes event values in the root and the reply: no mention, link or code block is formed', async () => {
    const poisoned = poisonedIncident();
    const root = await botNotifier().notifier.notify({ ...poisoned, threads: {} }, budget);
    await botNotifier().notifier.notify({ ...poisoned, threads: { slack: (root as { reference: string }).reference } }, budget);
    for (const request of slack.requests) {
      expect(request.body).not.toContain('<!channel>');
      expect(request.body).not.toContain('<@U123>');
      expect(request.body).not.toContain('<https://evil.example');
    }
    expect(INJECTION).toContain('<!channel>');
  });
});

describe('SlackStateReflector', () => {
  it('updates the root message with the new state', async () => {
    const incident = incidentOf(diagnosisOf());
    const root = (await botNotifier().notifier.notify(incident, budget)) as { reference: string };
    const acknowledged = {
      ...incident,
      threads: { slack: root.reference },
      state: 'acknowledged',
      acknowledgedBy: 'arn:aws:iam::111122223333:user/alice',
      acknowledgedAt: '2026-11-20T11:00:00.000Z',
    } as Incident;
    expect(await new SlackStateReflector(api().webApi).reflect(acknowledged, budget)).toEqual({ status: 'sent' });
    const [message] = slack.messages(CHANNEL).slice(-1);
    expect(message.edits).toBe(1);
    expect(blockTexts(message.blocks)).toContain(
      '*State:* acknowledged by arn:aws:iam::111122223333:user/alice at 2026-11-20T11:00:00.000Z',
    );
  });

  it('skips an incident that has no Slack message', async () => {
    expect(await new SlackStateReflector(api().webApi).reflect(incidentOf(diagnosisOf()), budget)).toEqual({
      status: 'skipped',
      detail: 'the incident has no Slack message to update',
    });
  });
});
