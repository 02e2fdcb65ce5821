import { StaticWebhookUrlProvider } from '../../../lambdas/adapters/secrets-webhook-url';
import { SlackNotifier } from '../../../lambdas/adapters/slack-notifier';
import { diagnosisOf, incidentOf } from '../../support/incidents';
import { startSlackStandIn, unusedLoopbackPort, type SlackStandIn } from '../../support/slack-server';

let slack: SlackStandIn;
const incident = incidentOf(diagnosisOf());

beforeAll(async () => {
  slack = await startSlackStandIn();
});

afterAll(async () => {
  await slack?.stop();
});

beforeEach(() => {
  slack.requests.length = 0;
  slack.always({ status: 200 });
});

function notifier(options: { url?: string | null; remainingMs?: number } = {}) {
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const slackNotifier = new SlackNotifier({
    webhookUrls: new StaticWebhookUrlProvider(options.url === undefined ? slack.webhookUrl : options.url),
    warn: (message) => warnings.push(message),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    backoffMs: 100,
  });
  const budget = { remainingMs: () => options.remainingMs ?? 60_000 };
  return { send: () => slackNotifier.notify(incident, budget), sleeps, warnings };
}

describe('SlackNotifier against a local webhook stand-in', () => {
  it('posts the Block Kit message as JSON', async () => {
    const { send } = notifier();
    expect(await send()).toEqual({ status: 'sent' });
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]).toMatchObject({ method: 'POST', path: '/services/T0SECRET/B0SECRET/xoxSecretWebhookToken' });
    expect(slack.requests[0].headers['content-type']).toContain('application/json');
    const body = JSON.parse(slack.requests[0].body) as { blocks: unknown[]; text: string };
    expect(body.blocks.length).toBeGreaterThan(3);
    expect(body).not.toHaveProperty('link_names');
  });

  it('waits Retry-After on 429 and retries', async () => {
    slack.script({ status: 429, retryAfterSeconds: 3 }, { status: 200 });
    const { send, sleeps } = notifier();
    expect(await send()).toEqual({ status: 'sent' });
    expect(sleeps).toEqual([3000]);
  });

  it('fails instead of waiting when Retry-After does not fit the remaining time', async () => {
    slack.script({ status: 429, retryAfterSeconds: 30 });
    const { send, sleeps } = notifier({ remainingMs: 10_000 });
    expect(await send()).toEqual({
      status: 'failed',
      detail: 'HTTP 429 "rate_limited"; retry in 30000 ms does not fit the remaining time',
    });
    expect(sleeps).toEqual([]);
  });

  it('backs off exponentially on 5xx and gives up after the last attempt', async () => {
    slack.always({ status: 503 });
    const { send, sleeps } = notifier();
    expect(await send()).toEqual({ status: 'failed', detail: 'HTTP 503 "error"; gave up after 5 attempts' });
    expect(sleeps).toEqual([100, 200, 400, 800]);
    expect(slack.requests).toHaveLength(5);
  });

  it('recovers from a 500 on the next attempt', async () => {
    slack.script({ status: 500 }, { status: 200 });
    const { send } = notifier();
    expect(await send()).toEqual({ status: 'sent' });
  });

  it('does not retry other 4xx answers', async () => {
    slack.script({ status: 400, body: 'invalid_blocks' });
    const { send } = notifier();
    expect(await send()).toEqual({ status: 'failed', detail: 'HTTP 400 "invalid_blocks"' });
    expect(slack.requests).toHaveLength(1);
  });

  it('reports an unreachable webhook without its URL', async () => {
    const { send } = notifier({ url: `http://127.0.0.1:${await unusedLoopbackPort()}/services/T/B/xoxSecretWebhookToken` });
    const result = await send();
    expect(result.status).toBe('failed');
    expect(result.detail).toMatch(/^request failed \(TypeError ECONNREFUSED\)/);
    expect(JSON.stringify(result)).not.toContain('xoxSecretWebhookToken');
  });

  it('skips with one warning per container when no URL is configured', async () => {
    const { send, warnings } = notifier({ url: null });
    expect(await send()).toEqual({ status: 'skipped', detail: 'no Slack webhook URL configured' });
    await send();
    expect(warnings).toHaveLength(1);
  });
});
