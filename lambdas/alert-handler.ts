import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KmsTableEnricher } from './adapters/kms-table-enricher';
import { SecretsManagerWebhookUrlProvider } from './adapters/secrets-webhook-url';
import { SlackNotifier } from './adapters/slack-notifier';
import { SnsNotifier } from './adapters/sns-notifier';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../core/contract';
import { createAlertHandler } from './alert-batch';
import { readHandlerConfig } from './handler-config';
import { createAlertPipeline } from './wiring';
import type { Notifier } from '../core/incidents/ports';
import { routedChannels, Router, type DeployedRouting } from '../core/incidents/routes';

export { createAlertHandler } from './alert-batch';

// Module scope: wired once per container, reused by every invocation.
const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
const tracer = new Tracer({ serviceName: SERVICE_NAME });
const config = readHandlerConfig(process.env);

const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const documents = DynamoDBDocumentClient.from(dynamodb);
const sns = tracer.captureAWSv3Client(new SNSClient({}));
const secrets = tracer.captureAWSv3Client(new SecretsManagerClient({}));
const kms = tracer.captureAWSv3Client(new KMSClient({}));
const warn = (message: string): void => logger.warn(message);

export const handler = createAlertHandler({
  logger,
  metrics,
  pipeline: createAlertPipeline({
    config,
    documents,
    notifiers: [
      new SnsNotifier(sns, config.alertTopicArn),
      new SlackNotifier({
        webhookUrls: new SecretsManagerWebhookUrlProvider(secrets, { secretId: config.slackWebhookSecretArn, warn }),
        warn,
      }),
      ...routeNotifiers(config.routing),
    ],
    channelsFor: config.routing === null ? undefined : routedChannels(new Router(config.routing)),
    enricher: new KmsTableEnricher(dynamodb, kms),
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
