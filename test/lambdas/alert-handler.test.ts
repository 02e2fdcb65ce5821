import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { HANDLER_ENV, METRIC } from '../../core/contract';
import { diagnose, readRecords } from '../../core/diagnosis';
import { incidentIdFor } from '../../core/incidents/identity';
import { INCIDENT_SORT_KEY, incidentPk, OCCURRENCE_SK_PREFIX } from '../../core/incidents/schema';
import { readHandlerConfig } from '../../lambdas/handler-config';
import { denialEvent, lambdaContext, sqsEvent, sqsMessage, type DenialEventOptions } from '../support/denial-events';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { startFauxqs, type LocalSnsSqs } from '../support/fauxqs';
import { createHarness, ManualClock, OutputCapture, STACK_HANDLER_ENV } from '../support/handler-harness';
import { startSlackStandIn, unusedLoopbackPort, type SlackStandIn } from '../support/slack-server';

let dynamo: LocalDynamo;
let fauxqs: LocalSnsSqs;
let slack: SlackStandIn;
let output: OutputCapture;
let topicCounter = 0;

beforeAll(async () => {
  [dynamo, fauxqs, slack] = await Promise.all([startDynalite(), startFauxqs(), startSlackStandIn()]);
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), fauxqs?.stop(), slack?.stop()]);
});

beforeEach(() => {
  slack.requests.length = 0;
  slack.always({ status: 200 });
  output = new OutputCapture();
  output.start();
});

afterEach(() => output.stop());

function incidentIdOf(options: DenialEventOptions = {}): string {
  const diagnosis = diagnose(readRecords(JSON.stringify(denialEvent(options)), 'test')[0]);
  if (diagnosis === null) throw new Error('test event is not a denial');
  return incidentIdFor(diagnosis);
}

async function occurrenceCount(tableName: string, incidentId: string): Promise<number> {
  const { Count } = await dynamo.documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :occ)',
      ExpressionAttributeValues: { ':pk': incidentPk(incidentId), ':occ': OCCURRENCE_SK_PREFIX },
    }),
  );
  return Count ?? 0;
}

async function setUp(options: { slackWebhookUrl?: string | null; topicName?: string; createTopic?: boolean; clock?: ManualClock } = {}) {
  const tableName = await dynamo.createTable();
  const topicName = options.topicName ?? `alerts-${++topicCounter}`;
  const topic = options.createTopic === false ? null : await fauxqs.createSubscribedTopic(topicName);
  const topicArn = topic?.topicArn ?? `arn:aws:sns:us-east-1:000000000000:${topicName}`;
  const sleeps: number[] = [];
  const harness = createHarness({
    dynamo,
    tableName,
    clock: options.clock,
    sns: { client: fauxqs.sns, topicArn },
    slackWebhookUrl: options.slackWebhookUrl === undefined ? slack.webhookUrl : options.slackWebhookUrl,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { ...harness, tableName, topicName, queueUrl: topic?.queueUrl ?? null, sleeps };
}

describe('alert handler with dynalite, fauxqs and a Slack stand-in', () => {
  it('folds the same eventID delivered three times into one occurrence and one alert', async () => {
    const { handler, tableName, queueUrl, incident } = await setUp();
    const body = denialEvent({ eventId: 'dup-1' });
    for (let delivery = 0; delivery < 3; delivery += 1) {
      expect(await handler(sqsEvent(sqsMessage(body)), lambdaContext())).toEqual({ batchItemFailures: [] });
    }
    const id = incidentIdOf({ eventId: 'dup-1' });
    expect(await occurrenceCount(tableName, id)).toBe(1);
    expect((await incident(id))?.count).toBe(1);
    expect(await fauxqs.drain(queueUrl ?? '', 1)).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    expect(output.metric(METRIC.duplicates)).toBe(2);
    expect(output.metric(METRIC.alertsSent, 'service-control-policy')).toBe(1);
  });

  it('turns a storm of 1,000 events of one incident into one alert and a count of 1,000', async () => {
    const { handler, tableName, queueUrl, incident } = await setUp();
    for (let batch = 0; batch < 100; batch += 1) {
      const messages = Array.from({ length: 10 }, (_, index) => sqsMessage(denialEvent({ eventId: `storm-${batch * 10 + index}` })));
      expect(await handler(sqsEvent(...messages), lambdaContext())).toEqual({ batchItemFailures: [] });
    }
    const id = incidentIdOf();
    const stored = await incident(id);
    expect(stored?.count).toBe(1000);
    expect(stored?.alert?.occurrencesSincePreviousAlert).toBe(1);
    expect(await occurrenceCount(tableName, id)).toBe(1000);
    expect(await fauxqs.drain(queueUrl ?? '', 1)).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    expect(output.metric(METRIC.denials, 'service-control-policy')).toBe(1000);
    expect(output.metric(METRIC.incidentsOpened, 'service-control-policy')).toBe(1);
    expect(output.metric(METRIC.alertsSuppressed, 'service-control-policy')).toBe(999);
  }, 180_000); // 2,000+ dynalite writes: slow on a busy machine, and timing is not what this test checks

  it('alerts again after the dedup window, saying how many occurrences happened since the last alert', async () => {
    const clock = new ManualClock();
    const { handler, queueUrl, incident } = await setUp({ clock });
    await handler(sqsEvent(sqsMessage(denialEvent({ eventId: 'w-0' }))), lambdaContext());
    for (let minute = 1; minute <= 5; minute += 1) {
      clock.advanceMinutes(10);
      await handler(
        sqsEvent(sqsMessage(denialEvent({ eventId: `w-${minute}`, eventTime: `2026-11-20T09:1${minute}:00Z` }))),
        lambdaContext(),
      );
    }
    clock.advanceMinutes(11); // 61 minutes after the first alert
    await handler(sqsEvent(sqsMessage(denialEvent({ eventId: 'w-6', eventTime: '2026-11-20T10:16:00Z' }))), lambdaContext());

    const published = await fauxqs.drain(queueUrl ?? '', 2);
    expect(published).toHaveLength(2);
    const second = JSON.parse(JSON.parse(published[1].Body ?? '{}').Message) as { email: string; default: string };
    expect(second.email).toContain('6 occurrences since the last alert');
    expect(JSON.parse(published[1].Body ?? '{}').Subject).toMatch(/^\[denyscope\] \(6 more\) dynamodb:PutItem denied on Orders/);
    expect(slack.requests).toHaveLength(2);
    expect(slack.requests[1].body).toContain('6 occurrences since the last alert');
    const stored = await incident(incidentIdOf());
    expect(stored).toMatchObject({
      count: 7,
      countAtLastAlert: 7,
      lastEventId: 'w-6',
      alert: { eventId: 'w-6', occurrencesSincePreviousAlert: 6 },
    });
  });

  it('retries a message whose SNS publish failed, and sends the alert once on each channel', async () => {
    const topicName = `late-topic-${++topicCounter}`;
    const { handler, incident, tableName } = await setUp({ topicName, createTopic: false });
    const message = sqsMessage(denialEvent({ eventId: 'sns-flaky' }));
    expect(await handler(sqsEvent(message), lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
    const id = incidentIdOf();
    expect((await incident(id))?.alert?.channels).toMatchObject({ sns: { status: 'failed' }, slack: { status: 'sent' } });

    const { queueUrl } = await fauxqs.createSubscribedTopic(topicName); // SNS recovers
    expect(await handler(sqsEvent(message), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await fauxqs.drain(queueUrl, 1)).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    const stored = await incident(id);
    expect(stored?.count).toBe(1);
    expect(stored?.alert?.channels).toMatchObject({ sns: { status: 'sent' }, slack: { status: 'sent' } });
    expect(await occurrenceCount(tableName, id)).toBe(1);
    expect(output.metric(METRIC.notifyFailures)).toBe(1);
    expect(output.metric(METRIC.alertsSent, 'service-control-policy')).toBe(1);
  });

  it('honours Slack 429 Retry-After, then delivers', async () => {
    const { handler, incident, sleeps } = await setUp();
    slack.script({ status: 429, retryAfterSeconds: 2 }, { status: 200 });
    expect(await handler(sqsEvent(sqsMessage(denialEvent({ eventId: 'rate-1' }))), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(slack.requests).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
    expect((await incident(incidentIdOf()))?.alert?.channels.slack?.status).toBe('sent');
  });

  it('when Slack is down: SNS is sent, the incident says Slack failed, retries never send a second email', async () => {
    const { handler, incident, queueUrl } = await setUp();
    slack.always({ status: 500 });
    const message = sqsMessage(denialEvent({ eventId: 'slack-down' }));
    expect(await handler(sqsEvent(message), lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
    const id = incidentIdOf();
    const afterFirst = await incident(id);
    expect(afterFirst?.alert?.channels.sns?.status).toBe('sent');
    expect(afterFirst?.alert?.channels.slack).toMatchObject({ status: 'failed', detail: expect.stringContaining('HTTP 500') });

    expect(await handler(sqsEvent(message), lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
    slack.always({ status: 200 });
    expect(await handler(sqsEvent(message), lambdaContext())).toEqual({ batchItemFailures: [] });

    expect(await fauxqs.drain(queueUrl ?? '', 1)).toHaveLength(1);
    expect((await incident(id))?.alert?.channels.slack?.status).toBe('sent');
    expect((await incident(id))?.count).toBe(1);
  });

  it('skips Slack with one warning when no webhook URL is configured', async () => {
    const { handler, incident, warnings, queueUrl } = await setUp({ slackWebhookUrl: null });
    await handler(
      sqsEvent(sqsMessage(denialEvent({ eventId: 'n-1' })), sqsMessage(denialEvent({ eventId: 'n-2', roleName: 'other' }))),
      lambdaContext(),
    );
    expect(warnings).toEqual(['No Slack webhook URL configured: Slack alerts are skipped']);
    expect((await incident(incidentIdOf()))?.alert?.channels).toMatchObject({ sns: { status: 'sent' }, slack: { status: 'skipped' } });
    expect(await fauxqs.drain(queueUrl ?? '', 2)).toHaveLength(2);
  });

  it('acknowledges poison messages, logging each raw body with the reason and counting it', async () => {
    const { handler } = await setUp();
    const notJson = sqsMessage('{"detail": {"eventID": "x"');
    const successRecord = denialEvent({ eventId: 'ok-1', errorCode: 'ConditionalCheckFailedException' });
    const notADenial = sqsMessage(successRecord);
    const unknownShape = sqsMessage({ hello: 'world' });
    const result = await handler(sqsEvent(notJson, notADenial, unknownShape), lambdaContext());
    expect(result).toEqual({ batchItemFailures: [] });
    const warnings = output.json().filter((line) => line.message === 'Unprocessable message acknowledged');
    expect(warnings.map((line) => line.messageId).sort()).toEqual([notJson.messageId, notADenial.messageId, unknownShape.messageId].sort());
    expect(warnings.find((line) => line.messageId === notJson.messageId)?.rawBody).toBe(notJson.body);
    expect(warnings.find((line) => line.messageId === notADenial.messageId)?.reason).toBe('not an access denial');
    expect(output.metric(METRIC.unprocessableMessages)).toBe(3);
  });

  it('deduplicates a denial without eventID by a hash of its record, and one without eventTime by its eventID', async () => {
    const clock = new ManualClock();
    const { handler } = await setUp({ clock });
    const withoutId = denialEvent({ roleName: 'no-id' });
    delete (withoutId.detail as Record<string, unknown>).eventID;
    const withoutTime = denialEvent({ roleName: 'no-time', eventId: 'no-time-1' });
    delete (withoutTime.detail as Record<string, unknown>).eventTime;
    delete withoutTime.time;
    expect(await handler(sqsEvent(sqsMessage(withoutId), sqsMessage(withoutTime)), lambdaContext())).toEqual({ batchItemFailures: [] });
    // Redelivered two hours later: a time-less event is seen when processed, yet still the same occurrence.
    clock.advanceMinutes(120);
    expect(await handler(sqsEvent(sqsMessage(withoutId), sqsMessage(withoutTime)), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(slack.requests).toHaveLength(2);
    expect(output.metric(METRIC.duplicates)).toBe(2);
    expect(output.json().filter((line) => line.message === 'Unprocessable message acknowledged')).toEqual([]);
  });

  it('truncates the raw body of a huge poison message in the log', async () => {
    const { handler } = await setUp();
    const huge = sqsMessage(`not json ${'x'.repeat(10_000)}`);
    await handler(sqsEvent(huge), lambdaContext());
    const warning = output.json().find((line) => line.message === 'Unprocessable message acknowledged');
    expect(String(warning?.rawBody)).toHaveLength(2048);
    expect(warning?.rawBodyLength).toBe(huge.body.length);
  });

  it('never writes the Slack webhook URL to a log line or the incident', async () => {
    const { handler, incident } = await setUp();
    slack.always({ status: 500 });
    await handler(sqsEvent(sqsMessage(denialEvent({ eventId: 'secret-1' }))), lambdaContext());
    slack.always({ status: 404, body: 'no_service' });
    await handler(sqsEvent(sqsMessage(denialEvent({ eventId: 'secret-2', roleName: 'r2' }))), lambdaContext());
    const unreachable = createHarness({
      dynamo,
      tableName: await dynamo.createTable(),
      slackWebhookUrl: `http://127.0.0.1:${await unusedLoopbackPort()}/services/T0/B0/xoxSecretWebhookToken`,
    });
    await unreachable.handler(sqsEvent(sqsMessage(denialEvent({ eventId: 'secret-3' }))), lambdaContext());

    const stored = JSON.stringify([await incident(incidentIdOf()), await unreachable.incident(incidentIdOf())]);
    expect(stored).toContain('failed');
    expect(output.lines.length).toBeGreaterThan(0);
    for (const text of [output.text, stored]) {
      expect(text).not.toContain('xoxSecretWebhookToken');
      expect(text).not.toContain('/services/');
    }
  });
});

describe('alert handler with concurrent deliveries of one event and slow channels', () => {
  /** A Slack webhook stand-in that answers each post after `delayMs`, recording it. */
  async function startSlowWebhook(delayMs: number): Promise<{ url: string; posts: string[]; stop: () => Promise<void> }> {
    const posts: string[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        posts.push(body);
        setTimeout(() => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/services/T0/B0/slow`,
      posts,
      stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  /** An SNS client on fauxqs whose every publish takes `delayMs` longer. */
  function slowSns(delayMs: number): SNSClient {
    const client = new SNSClient({
      endpoint: fauxqs.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return next(args);
      },
      { step: 'finalizeRequest', name: 'slowPublish' },
    );
    return client;
  }

  it('sends each channel exactly once when the same event is delivered three times, 50 ms apart, while the first is sending', async () => {
    const webhook = await startSlowWebhook(300);
    const sns = slowSns(300);
    try {
      const clock = new ManualClock();
      const tableName = await dynamo.createTable();
      const { topicArn, queueUrl } = await fauxqs.createSubscribedTopic(`slow-${++topicCounter}`);
      const { handler, incident } = createHarness({
        dynamo,
        tableName,
        clock,
        sns: { client: sns, topicArn },
        slackWebhookUrl: webhook.url,
      });
      const body = denialEvent({ eventId: 'concurrent-1' });
      // EventBridge delivered the event three times (three SQS messages), processed by three Lambda instances.
      const messages = [sqsMessage(body), sqsMessage(body), sqsMessage(body)];
      const results = await Promise.all(
        messages.map((message, index) =>
          new Promise((resolve) => setTimeout(resolve, 50 * index)).then(() => handler(sqsEvent(message), lambdaContext())),
        ),
      );
      expect(results[0]).toEqual({ batchItemFailures: [] });
      // The later deliveries found the first at work: not acknowledged, so SQS retries them.
      expect(results.slice(1)).toEqual(
        messages.slice(1).map((message) => ({ batchItemFailures: [{ itemIdentifier: message.messageId }] })),
      );

      clock.advanceMinutes(6); // the queue's visibility timeout
      for (const message of messages.slice(1)) expect(await handler(sqsEvent(message), lambdaContext())).toEqual({ batchItemFailures: [] });
      expect(webhook.posts).toHaveLength(1);
      expect(await fauxqs.drain(queueUrl, 1)).toHaveLength(1);
      const stored = await incident(incidentIdOf({ eventId: 'concurrent-1' }));
      expect(stored).toMatchObject({ count: 1, alert: { sequence: 1, channels: { sns: { status: 'sent' }, slack: { status: 'sent' } } } });
      expect(output.metric(METRIC.duplicates)).toBe(2);
      expect(output.metric(METRIC.alertsSent, 'service-control-policy')).toBe(1);
    } finally {
      sns.destroy();
      await webhook.stop();
    }
  });
});

describe('alert handler when DynamoDB throttles (aws-sdk-client-mock)', () => {
  it('returns only the throttled message as a batch item failure, logged with its keys', async () => {
    const documents = mockClient(DynamoDBDocumentClient);
    try {
      // The generic answer first: aws-sdk-client-mock lets the more specific one defined after it win.
      documents.on(UpdateCommand).resolves({});
      documents
        .on(UpdateCommand, { Key: { pk: incidentPk(incidentIdOf()), sk: 'META' } })
        .rejects(new ProvisionedThroughputExceededException({ message: 'Throughput exceeds the current capacity', $metadata: {} }));
      documents.on(GetCommand).resolves({});
      const { handler } = createHarness({ dynamo, tableName: 'incidents', documents: DynamoDBDocumentClient.from(dynamo.client) });
      const throttled = sqsMessage(denialEvent({ eventId: 'throttled-1' }));
      const poison = sqsMessage('garbage');
      expect(await handler(sqsEvent(throttled, poison), lambdaContext())).toEqual({
        batchItemFailures: [{ itemIdentifier: throttled.messageId }],
      });
      const failure = output.json().find((line) => line.message === 'Event failed; SQS will retry its message');
      expect(failure).toMatchObject({
        messageId: throttled.messageId,
        eventId: 'throttled-1',
        incidentId: incidentIdOf(),
        error: { name: 'ProvisionedThroughputExceededException' },
      });
    } finally {
      documents.restore();
    }
  });
});

describe('readHandlerConfig', () => {
  const env = STACK_HANDLER_ENV;

  it('reads the variables the stack sets', () => {
    expect(readHandlerConfig(env)).toEqual({
      incidentsTableName: 'incidents',
      alertTopicArn: env[HANDLER_ENV.alertTopicArn],
      slackWebhookSecretArn: env[HANDLER_ENV.slackWebhookSecretArn],
      dedupWindowMinutes: 60,
      retentionDays: 90,
      routing: null,
      slackBot: null,
      pagerDutyRoutingKeySecretArn: null,
      chatNotificationsTopicArn: null,
      deepDiagnosisTimeoutSeconds: 4,
      organizationReaderRoleArn: null,
      tracing: false,
      acknowledgeHours: 24,
      autoResolveDays: 14,
      alertOnConsoleReads: false,
      mutes: [
        expect.objectContaining({ action: 'dynamodb:Scan', until: null, reason: 'nightly export', createdBy: 'stack configuration' }),
      ],
    });
    const reader = 'arn:aws:iam::999988887777:role/denyscope-organization-reader';
    expect(readHandlerConfig({ ...env, [HANDLER_ENV.organizationReaderRoleArn]: reader })).toMatchObject({
      organizationReaderRoleArn: reader,
    });
  });

  it('reads the optional channels the stack sets when they are configured', () => {
    const configured = {
      ...env,
      [HANDLER_ENV.slackBotTokenSecretArn]: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bot',
      [HANDLER_ENV.slackChannel]: 'C0ALERTS01',
      [HANDLER_ENV.pagerDutyRoutingKeySecretArn]: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:pd',
      [HANDLER_ENV.chatNotificationsTopicArn]: 'arn:aws:sns:eu-west-1:111122223333:chat',
    };
    expect(readHandlerConfig(configured)).toMatchObject({
      slackBot: { tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bot', channel: 'C0ALERTS01' },
      pagerDutyRoutingKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:pd',
      chatNotificationsTopicArn: 'arn:aws:sns:eu-west-1:111122223333:chat',
    });
    expect(() => readHandlerConfig({ ...env, [HANDLER_ENV.slackChannel]: 'C0ALERTS01' })).toThrow(
      'Environment variables SLACK_BOT_TOKEN_SECRET_ARN and SLACK_CHANNEL are set together or not at all',
    );
  });

  it('runs a function deployed before the lifecycle settings with their defaults', () => {
    const { ACKNOWLEDGE_HOURS: _a, AUTO_RESOLVE_DAYS: _r, ALERT_ON_CONSOLE_READS: _c, MUTES: _m, ...older } = env;
    expect(readHandlerConfig(older)).toMatchObject({ acknowledgeHours: 24, autoResolveDays: 14, alertOnConsoleReads: false, mutes: [] });
  });

  it('names a missing or malformed variable', () => {
    expect(() => readHandlerConfig({ ...env, [HANDLER_ENV.alertTopicArn]: '' })).toThrow('Environment variable ALERT_TOPIC_ARN is not set');
    expect(() => readHandlerConfig({ ...env, [HANDLER_ENV.dedupWindowMinutes]: 'soon' })).toThrow(
      'Environment variable DEDUP_WINDOW_MINUTES must be a positive number, got "soon"',
    );
    expect(() => readHandlerConfig({ ...env, [HANDLER_ENV.deepDiagnosisTimeoutSeconds]: '-1' })).toThrow(
      'Environment variable DEEP_DIAGNOSIS_TIMEOUT_SECONDS must be a number of 0 or more, got "-1"',
    );
    expect(() => readHandlerConfig({ ...env, [HANDLER_ENV.mutes]: '[{"until":"never","reason":"r"}]' })).toThrow(
      'Environment variable MUTES: mutes[0]: a mute needs at least one criterion',
    );
  });
});

describe('lambdas/alert-handler module', () => {
  /**
   * Loads the module-scope handler with the stack's environment pointed at local stand-ins (dynalite, fauxqs, a Slack
   * stand-in, a Secrets Manager stand-in answering every secret with the Slack stand-in's URL), runs `use`, restores.
   */
  async function withModule(
    env: Record<string, string>,
    use: (module: typeof import('../../lambdas/alert-handler'), secretRequests: { target: string; body: string }[]) => Promise<void>,
  ): Promise<void> {
    const secretRequests: { target: string; body: string }[] = [];
    // Secrets Manager's JSON 1.1 protocol: POST / with X-Amz-Target, answered as GetSecretValue does.
    const secrets = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const target = String(request.headers['x-amz-target'] ?? '');
        const requestBody = Buffer.concat(chunks).toString('utf8');
        secretRequests.push({ target, body: requestBody });
        if (target !== 'secretsmanager.GetSecretValue') {
          response
            .writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
            .end(JSON.stringify({ __type: 'InvalidRequestException', message: target }));
          return;
        }
        const secretId = (JSON.parse(requestBody) as { SecretId: string }).SecretId;
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(
          JSON.stringify({
            ARN: secretId.startsWith('arn:') ? secretId : `arn:aws:secretsmanager:us-east-1:111122223333:secret:${secretId}-AbCdEf`,
            Name: secretId.split(':').pop(),
            SecretString: slack.webhookUrl,
            VersionId: 'v1',
            VersionStages: ['AWSCURRENT'],
            CreatedDate: 1_763_632_800,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => secrets.listen(0, '127.0.0.1', resolve));
    const kmsPort = await unusedLoopbackPort();

    const saved = { ...process.env };
    for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL']) delete process.env[name];
    Object.assign(process.env, {
      [HANDLER_ENV.dedupWindowMinutes]: STACK_HANDLER_ENV[HANDLER_ENV.dedupWindowMinutes],
      [HANDLER_ENV.retentionDays]: STACK_HANDLER_ENV[HANDLER_ENV.retentionDays],
      // Deep diagnosis has its own module-scope test (test/lambdas/deep-diagnosis.test.ts).
      [HANDLER_ENV.deepDiagnosisTimeoutSeconds]: '0',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SNS: fauxqs.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
      AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${kmsPort}`,
      POWERTOOLS_TRACE_ENABLED: 'false',
      ...env,
    });
    try {
      let module: typeof import('../../lambdas/alert-handler') | undefined;
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        module = require('../../lambdas/alert-handler') as typeof import('../../lambdas/alert-handler');
      });
      if (module === undefined) throw new Error('lambdas/alert-handler did not load');
      await use(module, secretRequests);
    } finally {
      process.env = saved;
      await new Promise<void>((resolve, reject) => {
        secrets.closeAllConnections();
        secrets.close((error) => (error ? reject(error) : resolve()));
      });
    }
  }

  const sampleBody = readFileSync(
    path.join(__dirname, '..', '..', 'cli', 'samples', 'events', 'service-control-policy-explicit.json'),
    'utf8',
  );

  it('processes one sample event end to end through the module-scope handler, wired from the stack environment', async () => {
    const diagnosis = diagnose(readRecords(sampleBody, 'sample')[0]);
    if (diagnosis === null) throw new Error('sample event is not a denial');
    const incidentId = incidentIdFor(diagnosis);

    const tableName = await dynamo.createTable();
    const { topicArn, queueUrl } = await fauxqs.createSubscribedTopic(`alerts-module-${++topicCounter}`);
    const secretArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:slack-webhook';
    const env = {
      [HANDLER_ENV.incidentsTableName]: tableName,
      [HANDLER_ENV.alertTopicArn]: topicArn,
      [HANDLER_ENV.slackWebhookSecretArn]: secretArn,
    };
    await withModule(env, async (module, secretRequests) => {
      const result = await module.handler(sqsEvent(sqsMessage(sampleBody, 'module-msg-1')), lambdaContext());

      expect(result).toEqual({ batchItemFailures: [] });
      const { Item } = await dynamo.documents.send(
        new GetCommand({ TableName: tableName, Key: { pk: incidentPk(incidentId), sk: INCIDENT_SORT_KEY } }),
      );
      expect(Item?.count).toBe(1);
      const published = await fauxqs.drain(queueUrl, 1);
      expect(published).toHaveLength(1);
      const envelope = JSON.parse(published[0].Body ?? '{}') as { TopicArn?: string; Message?: string };
      expect(envelope.TopicArn).toBe(topicArn);
      expect(envelope.Message).toContain(incidentId);
      expect(slack.requests).toHaveLength(1);
      expect(secretRequests.map((request) => request.target)).toEqual(['secretsmanager.GetSecretValue']);
      expect(JSON.parse(secretRequests[0].body)).toEqual({ SecretId: secretArn });
    });
  });

  it('sends an alert to its routes’ topic and webhook secret only, as ALERT_ROUTES (written by the stack) says', async () => {
    const tableName = await dynamo.createTable();
    const alerts = await fauxqs.createSubscribedTopic(`alerts-routes-${++topicCounter}`);
    const securityTopicName = `Denyscope-security-${topicCounter}`;
    const security = await fauxqs.createSubscribedTopic(securityTopicName);
    // The sample is an SCP denial in account 111122223333: the security route and the account's route match.
    const routing = {
      routes: [
        { name: 'security', match: { causes: ['service-control-policy'] }, channels: ['security'] },
        { name: 'team-a', match: { accounts: ['111122223333'] }, channels: ['team-a'] },
        { name: 'everything-else', default: true, channels: ['sns', 'slack'] },
      ],
      accountOrganizationalUnits: {},
      channels: {
        security: { type: 'sns', topicName: securityTopicName },
        'team-a': { type: 'slack', secretName: 'denyscope/slack-team-a' },
      },
    };
    const env = {
      [HANDLER_ENV.incidentsTableName]: tableName,
      [HANDLER_ENV.alertTopicArn]: alerts.topicArn,
      [HANDLER_ENV.slackWebhookSecretArn]: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:slack-webhook',
      [HANDLER_ENV.alertRoutes]: JSON.stringify(routing),
    };
    await withModule(env, async (module, secretRequests) => {
      expect(await module.handler(sqsEvent(sqsMessage(sampleBody, 'module-routes-1')), lambdaContext())).toEqual({ batchItemFailures: [] });
      const routed = await fauxqs.drain(security.queueUrl, 1);
      expect(routed.map((message) => (JSON.parse(message.Body ?? '{}') as { TopicArn?: string }).TopicArn)).toEqual([security.topicArn]);
      expect(await fauxqs.drain(alerts.queueUrl, 0)).toEqual([]);
      expect(slack.requests).toHaveLength(1);
      // Only the route channel's secret is read: the stack's own webhook is not one of this alert's channels.
      expect(secretRequests.map((request) => JSON.parse(request.body))).toEqual([{ SecretId: 'denyscope/slack-team-a' }]);
    });
  });

  it('fails at init, naming the variable, when the routes are not what the stack writes', () => {
    for (const [value, message] of [
      ['{"routes": [', 'Environment variable ALERT_ROUTES is not JSON'],
      ['{"routes": []}', 'Environment variable ALERT_ROUTES must hold {"routes", "channels", "accountOrganizationalUnits"}'],
    ]) {
      expect(() => readHandlerConfig({ ...STACK_HANDLER_ENV, [HANDLER_ENV.alertRoutes]: value })).toThrow(message);
    }
    expect(readHandlerConfig(STACK_HANDLER_ENV).routing).toBeNull();
  });

  it('fails at init, naming the variable, when the stack environment is missing', () => {
    const saved = { ...process.env };
    delete process.env[HANDLER_ENV.incidentsTableName];
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect(() => require('../../lambdas/alert-handler')).toThrow('Environment variable INCIDENTS_TABLE_NAME is not set');
      });
    } finally {
      process.env = saved;
    }
  });
});
