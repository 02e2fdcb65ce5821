import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ChatNotificationNotifier } from '../../lambdas/adapters/chat-notification-notifier';
import { DynamoDbMuteStore } from '../../lambdas/adapters/dynamodb-mute-store';
import { StaticSecret } from '../../lambdas/adapters/secret-value';
import { StaticWebhookUrlProvider } from '../../lambdas/adapters/secrets-webhook-url';
import { SlackBotNotifier, SlackWebApi } from '../../lambdas/adapters/slack-bot-notifier';
import { SlackNotifier } from '../../lambdas/adapters/slack-notifier';
import { SnsNotifier } from '../../lambdas/adapters/sns-notifier';
import { createDigestHandler } from '../../lambdas/digest-invocation';
import { readDigestConfig, type DigestConfig } from '../../lambdas/handler-config';
import { createAlertPipeline, createDigestRunDeps } from '../../lambdas/wiring';
import { HANDLER_ENV, METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../core/contract';
import type { Digest } from '../../core/incidents/digest';
import { DigestDeliveryError } from '../../core/incidents/digest-run';
import { AUTO_RESOLVER } from '../../core/incidents/lifecycle';
import { incidentIdFor } from '../../core/incidents/identity';
import { parseStandingMutes } from '../../core/incidents/mutes';
import type { DeployedRouting } from '../../core/incidents/routes';
import { CUSTOM_NOTIFICATION_SCHEMA } from '../support/chat-notification-schema';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { startFauxqs, type LocalSnsSqs } from '../support/fauxqs';
import { ManualClock, OutputCapture } from '../support/handler-harness';
import { diagnosisOf, INJECTION } from '../support/incidents';
import { startSlackStandIn, type SlackStandIn } from '../support/slack-server';

let dynamo: LocalDynamo;
let fauxqs: LocalSnsSqs;
let slack: SlackStandIn;

beforeAll(async () => {
  [dynamo, fauxqs, slack] = await Promise.all([startDynalite(), startFauxqs(), startSlackStandIn()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), fauxqs?.stop(), slack?.stop()]);
});

const NOW = new Date('2026-12-10T09:00:00.000Z');
const SCHEDULED = '2026-12-10T09:00:00Z';
const IMPLICIT = 'because no identity-based policy allows the dynamodb:PutItem action';
const budget = { remainingMs: () => 60_000 };
const context = { getRemainingTimeInMillis: () => 60_000 };
const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const CONFIG_MUTE = { action: 'dynamodb:Scan', until: 'never', reason: 'nightly export' };

/** Routes as the stack deploys them: SCP denials to the security topic, KMS ones to team-a's webhook, the rest to the stack's. */
function routing(securityTopicName: string): DeployedRouting {
  return {
    channels: {
      security: { type: 'sns', topicName: securityTopicName },
      'team-a': { type: 'slack', secretName: 'denyscope/slack-team-a' },
    },
    accountOrganizationalUnits: {},
    routes: [
      { name: 'scp', match: { causes: ['service-control-policy'] }, channels: ['security'] },
      { name: 'kms', match: { causes: ['kms-key-access'] }, channels: ['team-a'] },
      { name: 'everything-else', default: true, channels: ['sns', 'slack'] },
    ],
  };
}

/**
 * A table with three incidents, recorded by the alert pipeline itself: one idle for 20 days (autoResolveDays is 14), and
 * two first seen in the digest's period, one denied by an SCP and one by a missing allow.
 */
async function tableWithIncidents() {
  const tableName = await dynamo.createTable();
  const clock = new ManualClock(new Date('2026-11-20T10:00:00.000Z'));
  const { pipeline, store } = createAlertPipeline({
    config: { incidentsTableName: tableName, retentionDays: 90, dedupWindowMinutes: 60 },
    documents: dynamo.documents,
    notifiers: [],
    clock,
  });
  const idle = diagnosisOf({ roleName: 'idle-role', reason: IMPLICIT, eventId: 'idle', eventTime: '2026-11-20T09:59:00Z' });
  await pipeline.process(idle, { budget, log: quietLog });
  clock.advanceMinutes((NOW.getTime() - clock.now().getTime()) / 60_000 - 120);
  const scp = diagnosisOf({ roleName: 'scp-role', eventId: 'scp', eventTime: '2026-12-10T06:59:00Z' });
  const implicit = diagnosisOf({
    roleName: `implicit-role${INJECTION}`,
    reason: IMPLICIT,
    eventId: 'implicit',
    eventTime: '2026-12-10T07:00:00Z',
  });
  for (const diagnosis of [scp, implicit]) await pipeline.process(diagnosis, { budget, log: quietLog });
  return { tableName, store, ids: { idle: incidentIdFor(idle), scp: incidentIdFor(scp), implicit: incidentIdFor(implicit) } };
}

function config(
  tableName: string,
  routes: DeployedRouting | null,
  alertTopicArn = 'arn:aws:sns:us-east-1:000000000000:unused',
): DigestConfig {
  return {
    incidentsTableName: tableName,
    retentionDays: 90,
    alertTopicArn,
    slackWebhookSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:unused',
    slackBot: null,
    chatNotificationsTopicArn: null,
    routing: routes,
    autoResolveDays: 14,
    mutes: parseStandingMutes([CONFIG_MUTE]),
  };
}

const webhook = (channel: string | undefined, url: string | null) =>
  new SlackNotifier({
    channel,
    webhookUrls: new StaticWebhookUrlProvider(url),
    warn: () => undefined,
    sleep: async () => undefined,
    backoffMs: 1,
  });

/** The digest each SNS message carries for machines, with the route it is for. */
async function publishedDigests(queueUrl: string, expected: number) {
  const messages = await fauxqs.drain(queueUrl, expected);
  return messages.map((message) => {
    const envelope = JSON.parse(message.Body ?? '{}') as {
      Subject: string;
      Message: string;
      MessageAttributes: Record<string, { Value: string }>;
    };
    const structured = JSON.parse(envelope.Message) as { default: string; email: string };
    const machine = JSON.parse(structured.default) as { type: string; route: string | null; digest: Digest };
    return { subject: envelope.Subject, email: structured.email, attributes: envelope.MessageAttributes, ...machine };
  });
}

function handlerFor(parts: Parameters<typeof createDigestRunDeps>[0]) {
  return createDigestHandler({
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    run: createDigestRunDeps({ clock: new ManualClock(NOW), ...parts }),
  });
}

describe('digest Lambda end to end (dynalite, fauxqs SNS, Slack stand-in)', () => {
  let output: OutputCapture;
  beforeEach(() => {
    slack.requests.length = 0;
    slack.always({ status: 200 });
    output = new OutputCapture();
    output.start();
  });
  afterEach(() => output.stop());

  it("resolves the idle incident, then sends each route's digest of its own incidents to its channels, and every incident's to the chat topic", async () => {
    const { tableName, store, ids } = await tableWithIncidents();
    const alerts = await fauxqs.createSubscribedTopic('digest-alerts');
    const security = await fauxqs.createSubscribedTopic('digest-security');
    const chat = await fauxqs.createSubscribedTopic('digest-chat');
    const routes = routing('digest-security');
    await new DynamoDbMuteStore(dynamo.documents, tableName).addMute({
      id: 'mute-soon',
      principal: 'arn:aws:iam::111122223333:role/scanner',
      action: null,
      resource: null,
      cause: null,
      account: null,
      until: '2026-12-11T09:00:00.000Z',
      reason: 'scanner',
      createdBy: 'arn:aws:iam::111122223333:user/alice',
      createdAt: '2026-12-01T00:00:00.000Z',
    });
    const handler = handlerFor({
      config: config(tableName, routes, alerts.topicArn),
      documents: dynamo.documents,
      stackChannels: [
        new SnsNotifier(fauxqs.sns, alerts.topicArn),
        webhook(undefined, slack.webhookUrl),
        new ChatNotificationNotifier(fauxqs.sns, chat.topicArn),
      ],
      routeChannels: [new SnsNotifier(fauxqs.sns, security.topicArn, 'security'), webhook('team-a', slack.webhookUrl)],
    });

    const result = await handler({ scheduledTime: SCHEDULED }, context);

    expect(result).toMatchObject({ since: '2026-12-09T09:00:00.000Z', until: '2026-12-10T09:00:00.000Z', resolved: 1 });
    expect(await store.getIncident(ids.idle)).toMatchObject({
      state: 'resolved',
      resolvedBy: AUTO_RESOLVER,
      resolvedAt: '2026-12-04T10:00:00.000Z',
    });
    // The SCP route: its one incident; the mutes are every route's.
    const [scpDigest] = await publishedDigests(security.queueUrl, 1);
    expect(scpDigest).toMatchObject({
      type: 'denyscope.digest',
      route: 'scp',
      attributes: { messageType: { Value: 'digest' }, route: { Value: 'scp' } },
    });
    expect(scpDigest.digest).toMatchObject({
      newIncidents: { total: 1, byCause: [{ cause: 'service-control-policy', incidents: 1 }] },
      open: 1,
    });
    expect(scpDigest.digest.noisiest.map((incident) => incident.id)).toEqual([ids.scp]);
    expect(scpDigest.digest.mutesExpiringSoon.map((mute) => mute.id)).toEqual(['mute-soon']);
    expect(scpDigest.digest.mutesWithoutExpiry.map((mute) => mute.reason)).toEqual(['nightly export']);
    expect(scpDigest.email).toMatch(/^Route: scp\n\ndenyscope digest 2026-12-09T09:00:00.000Z to 2026-12-10T09:00:00.000Z/);
    expect(scpDigest.subject).toBe('[denyscope] digest: 1 new, 1 open, 0 acknowledged (route scp)');
    // The default route: what no other route matched, the idle incident counted as resolved now.
    const [defaultDigest] = await publishedDigests(alerts.queueUrl, 1);
    expect(defaultDigest.route).toBe('everything-else');
    expect(defaultDigest.digest).toMatchObject({
      newIncidents: { total: 1, byCause: [{ cause: 'identity-policy', incidents: 1 }] },
      open: 1,
      acknowledged: 0,
    });
    // The Slack webhook got the default route's digest and, for team-a, the KMS route's, which has no incident.
    const posted = slack.requests.map(
      (request) => JSON.parse(request.body) as { blocks: Array<{ type: string; text?: { text: string } }> },
    );
    expect(posted.map((message) => message.blocks[0].text?.text)).toEqual([
      'denyscope digest (route kms)',
      'denyscope digest (route everything-else)',
    ]);
    expect(JSON.stringify(posted[0].blocks)).toContain('*New incidents: 0*');
    expect(JSON.stringify(posted[1])).not.toContain('<!channel>');
    expect(JSON.stringify(posted[1])).toContain('&lt;!channel&gt;');
    // The chat topic mirrors every alert: one digest of every incident, in the documented schema, in no thread.
    const [chatMessage] = await fauxqs.drain(chat.queueUrl, 1);
    const notification = CUSTOM_NOTIFICATION_SCHEMA.parse(
      JSON.parse((JSON.parse(chatMessage.Body ?? '{}') as { Message: string }).Message),
    );
    expect(notification.content.title).toBe('\\[denyscope\\] digest: 2 new, 2 open, 0 acknowledged');
    expect(notification.metadata?.threadId).toBeUndefined();
    expect(notification.content.description).toContain('**New incidents: 2**');
  });

  it("without routes sends one digest of every incident to the stack's channels; the Slack bot posts it in the channel, not in a thread", async () => {
    const { tableName } = await tableWithIncidents();
    const alerts = await fauxqs.createSubscribedTopic('digest-plain');
    const channel = slack.channels[0];
    const bot = new SlackBotNotifier({
      api: new SlackWebApi({ token: new StaticSecret(slack.botToken), apiBaseUrl: slack.apiUrl, sleep: async () => undefined }),
      channelId: channel,
      warn: () => undefined,
    });
    const handler = handlerFor({
      config: config(tableName, null),
      documents: dynamo.documents,
      stackChannels: [new SnsNotifier(fauxqs.sns, alerts.topicArn), bot],
      routeChannels: [],
    });

    const result = await handler({ scheduledTime: SCHEDULED }, context);

    expect(result.sent.map(({ route, channel: id, result: { status } }) => [route, id, status])).toEqual([
      [null, 'sns', 'sent'],
      [null, 'slack', 'sent'],
    ]);
    const [digest] = await publishedDigests(alerts.queueUrl, 1);
    expect(digest).toMatchObject({ route: null, digest: { newIncidents: { total: 2 }, open: 2 } });
    expect(digest.attributes.route).toBeUndefined();
    const messages = slack.messages(channel);
    expect(messages).toHaveLength(1);
    expect(messages[0].thread_ts).toBeUndefined();
    expect(JSON.stringify(messages[0].blocks)).toContain('denyscope digest');
  });

  it('sends to the other channels when one fails, and logs the failure with the channel and reason but no secret', async () => {
    const { tableName } = await tableWithIncidents();
    const alerts = await fauxqs.createSubscribedTopic('digest-one-fails');
    slack.always({ status: 500 });
    const handler = handlerFor({
      config: config(tableName, null),
      documents: dynamo.documents,
      stackChannels: [new SnsNotifier(fauxqs.sns, alerts.topicArn), webhook(undefined, slack.webhookUrl)],
      routeChannels: [],
    });

    const result = await handler({ scheduledTime: SCHEDULED }, context);

    expect(result.sent.map(({ channel, result: { status } }) => [channel, status])).toEqual([
      ['sns', 'sent'],
      ['slack', 'failed'],
    ]);
    expect(await publishedDigests(alerts.queueUrl, 1)).toHaveLength(1);
    const failure = output.json().find((line) => line.message === 'Digest not delivered');
    expect(failure).toMatchObject({ level: 'ERROR', channel: 'slack', detail: expect.stringContaining('HTTP 500') });
    expect(output.text).not.toContain('xoxSecretWebhookToken');
    expect(output.metric(METRIC.digestDeliveryFailures)).toBe(1);
  });

  it('fails the run (so Lambda retries it and keeps it) when no channel took the digest', async () => {
    const { tableName } = await tableWithIncidents();
    slack.always({ status: 500 });
    const handler = handlerFor({
      config: config(tableName, null),
      documents: dynamo.documents,
      stackChannels: [
        new SnsNotifier(fauxqs.sns, 'arn:aws:sns:us-east-1:000000000000:no-such-topic'),
        webhook(undefined, slack.webhookUrl),
      ],
      routeChannels: [],
    });

    const run = handler({ scheduledTime: SCHEDULED }, context);

    await expect(run).rejects.toBeInstanceOf(DigestDeliveryError);
    await expect(run).rejects.toThrow(/^No digest was delivered: sns: .*NotFound.*; slack: HTTP 500/);
    expect(output.json().find((line) => line.message === 'Digest run failed: no channel took it')).toMatchObject({ level: 'ERROR' });
    expect(output.metric(METRIC.digestDeliveryFailures)).toBe(2);
  });

  it('fails the run, sending nothing, when the table cannot be read', async () => {
    const alerts = await fauxqs.createSubscribedTopic('digest-no-table');
    const handler = handlerFor({
      config: config('no-such-table', null),
      documents: dynamo.documents,
      stackChannels: [new SnsNotifier(fauxqs.sns, alerts.topicArn)],
      routeChannels: [],
    });

    await expect(handler({ scheduledTime: SCHEDULED }, context)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await fauxqs.drain(alerts.queueUrl, 0)).toEqual([]);
  });

  it('covers the 24 hours before the scheduled time, whenever it runs; now when invoked without one; a malformed time fails in one line', async () => {
    const { tableName } = await tableWithIncidents();
    const alerts = await fauxqs.createSubscribedTopic('digest-period');
    const handler = handlerFor({
      config: config(tableName, null),
      documents: dynamo.documents,
      stackChannels: [new SnsNotifier(fauxqs.sns, alerts.topicArn)],
      routeChannels: [],
    });

    // A retry a day late still reports the scheduled day: both incidents are new in it.
    expect(await handler({ scheduledTime: SCHEDULED }, context)).toMatchObject({ until: '2026-12-10T09:00:00.000Z' });
    expect(await handler({}, context)).toMatchObject({ since: '2026-12-09T09:00:00.000Z', until: NOW.toISOString() });
    expect(await handler({ scheduledTime: '2026-12-08T09:00:00Z' }, context)).toMatchObject({ until: '2026-12-08T09:00:00.000Z' });
    const digests = await publishedDigests(alerts.queueUrl, 3);
    expect(digests.map(({ digest }) => digest.newIncidents.total)).toEqual([2, 2, 0]);
    await expect(handler({ scheduledTime: 'yesterday' }, context)).rejects.toThrow(
      'Digest event: scheduledTime must be an ISO 8601 time such as 2026-11-25T09:00:00Z, got "yesterday"',
    );
  });
});

describe('digest Lambda configuration', () => {
  /** What the stack gives the digest Lambda (lib/constructs/digest-schedule.ts): the alert Lambda's store and channel variables only. */
  const DIGEST_ENV = {
    [HANDLER_ENV.incidentsTableName]: 'incidents',
    [HANDLER_ENV.alertTopicArn]: 'arn:aws:sns:eu-west-1:111122223333:alerts',
    [HANDLER_ENV.slackWebhookSecretArn]: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:slack',
    [HANDLER_ENV.retentionDays]: '90',
    [HANDLER_ENV.autoResolveDays]: '7',
    [HANDLER_ENV.mutes]: JSON.stringify([CONFIG_MUTE]),
  };

  it("reads the digest's settings with the alert Lambda's rules, without the alert-only variables", () => {
    expect(readDigestConfig(DIGEST_ENV)).toEqual({
      incidentsTableName: 'incidents',
      alertTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
      slackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:slack',
      retentionDays: 90,
      autoResolveDays: 7,
      mutes: parseStandingMutes([CONFIG_MUTE]),
      routing: null,
      slackBot: null,
      chatNotificationsTopicArn: null,
    });
    expect(() => readDigestConfig({ ...DIGEST_ENV, [HANDLER_ENV.slackChannel]: 'C0ALERTS01' })).toThrow(
      'Environment variables SLACK_BOT_TOKEN_SECRET_ARN and SLACK_CHANNEL are set together or not at all',
    );
  });

  it('builds the handler module from that environment, and fails at init naming a missing variable', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, DIGEST_ENV, { AWS_REGION: 'eu-west-1' });
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect(typeof (require('../../lambdas/digest-handler') as { handler: unknown }).handler).toBe('function');
      });
      delete process.env[HANDLER_ENV.incidentsTableName];
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect(() => require('../../lambdas/digest-handler')).toThrow('Environment variable INCIDENTS_TABLE_NAME is not set');
      });
    } finally {
      process.env = saved;
    }
  });
});
