import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KmsTableEnricher } from './adapters/kms-table-enricher';
import { PagerDutyEvents, PagerDutyNotifier } from './adapters/pagerduty-notifier';
import { pagerDutyRoutingKeySecret } from './adapters/secret-value';
import type { Notifier } from '../core/incidents/ports';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../core/contract';
import { createAlertHandler } from './alert-batch';
import { deepDiagnosisFor } from './deep-diagnosis';
import { readHandlerConfig } from './handler-config';
import { createAlertPipeline } from './wiring';
import { routeChannels, stackChannels } from './channels';
import { routedChannels, Router, UNROUTED_CHANNELS } from '../core/incidents/routes';

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

/** In delivery order: e-mail first, then the chat channels, then paging. */
function notifiers(): Notifier[] {
  const channels: Notifier[] = stackChannels(config, { sns, secrets, warn });
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
    notifiers: [...stackNotifiers, ...routeChannels(config.routing, config.alertTopicArn, { sns, secrets, warn })],
    channelsFor: config.routing === null ? undefined : routedChannels(new Router(config.routing), unroutedChannels),
    enricher: new KmsTableEnricher(dynamodb, kms),
    deepener: deepDiagnosisFor(config),
  }).pipeline,
});
