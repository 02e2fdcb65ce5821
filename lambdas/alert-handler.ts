import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KmsTableEnricher } from './adapters/kms-table-enricher';
import { SecretsManagerWebhookUrlProvider } from './adapters/secrets-webhook-url';
import { ChatNotificationNotifier } from './adapters/chat-notification-notifier';
import { PagerDutyEvents, PagerDutyNotifier } from './adapters/pagerduty-notifier';
import { pagerDutyRoutingKeySecret, slackBotTokenSecret } from './adapters/secret-value';
import { SlackBotNotifier, SlackWebApi } from './adapters/slack-bot-notifier';
import { SlackNotifier } from './adapters/slack-notifier';
import { SnsNotifier } from './adapters/sns-notifier';
import type { Notifier } from '../core/incidents/ports';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../core/contract';
import { createAlertHandler } from './alert-batch';
import { deepDiagnosisFor } from './deep-diagnosis';
import { readHandlerConfig } from './handler-config';
import { createAlertPipeline } from './wiring';
import { routedChannels, Router, UNROUTED_CHANNELS, type DeployedRouting } from '../core/incidents/routes';

export { createAlertHandler } from './alert-batch';

// Module scope: wired once per container, reused by every invocation.
const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
const config = readHandlerConfig(process.env);
const traced: <Client extends object>(client: Client) => Client = config.tracing
  ? // Required here, not imported: without tracing the X-Ray SDK is never loaded (lambdas/tracing.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./tracing') as typeof import('./tracing')).tracedClients()
  : (client) => client;

const dynamodb = traced(new DynamoDBClient({}));
const documents = DynamoDBDocumentClient.from(dynamodb);
const sns = traced(new SNSClient({}));
const secrets = traced(new SecretsManagerClient({}));
const kms = traced(new KMSClient({}));
const warn = (message: string): void => logger.warn(message);

/** Slack through the app's bot token (threads) when one is configured, else through the incoming webhook. */
function slackNotifier(): Notifier {
  if (config.slackBot === null) {
    return new SlackNotifier({
      webhookUrls: new SecretsManagerWebhookUrlProvider(secrets, { secretId: config.slackWebhookSecretArn, warn }),
      warn,
    });
  }
  const token = slackBotTokenSecret(secrets, config.slackBot.tokenSecretArn, warn);
  return new SlackBotNotifier({ api: new SlackWebApi({ token }), channelId: config.slackBot.channel, warn });
}

/** In delivery order: e-mail first, then the chat channels, then paging. */
function notifiers(): Notifier[] {
  const channels: Notifier[] = [new SnsNotifier(sns, config.alertTopicArn), slackNotifier()];
  if (config.chatNotificationsTopicArn !== null) channels.push(new ChatNotificationNotifier(sns, config.chatNotificationsTopicArn));
  if (config.pagerDutyRoutingKeySecretArn !== null) {
    const routingKey = pagerDutyRoutingKeySecret(secrets, config.pagerDutyRoutingKeySecretArn, warn);
    channels.push(new PagerDutyNotifier(new PagerDutyEvents({ routingKey })));
  }
  return channels;
}

const stackNotifiers = notifiers();
const unroutedChannels = stackNotifiers.map((notifier) => notifier.channel).filter((channel) => UNROUTED_CHANNELS.includes(channel));

export const handler = createAlertHandler({
  logger,
  metrics,
  pipeline: createAlertPipeline({
    config,
    documents,
    notifiers: [...stackNotifiers, ...routeNotifiers(config.routing)],
    channelsFor: config.routing === null ? undefined : routedChannels(new Router(config.routing), unroutedChannels),
    enricher: new KmsTableEnricher(dynamodb, kms),
    deepener: deepDiagnosisFor(config),
  }).pipeline,
});

/** One notifier per channel the routes declare: its topic (in the alert topic's account and Region) or its webhook secret. */
function routeNotifiers(routing: DeployedRouting | null): Notifier[] {
  const topicArnPrefix = config.alertTopicArn.slice(0, config.alertTopicArn.lastIndexOf(':') + 1);
  return Object.entries(routing?.channels ?? {}).map(([channel, destination]) =>
    destination.type === 'sns'
      ? new SnsNotifier(sns, `${topicArnPrefix}${destination.topicName}`, channel)
      : new SlackNotifier({
          channel,
          webhookUrls: new SecretsManagerWebhookUrlProvider(secrets, { secretId: destination.secretName, warn }),
          warn,
        }),
  );
}
