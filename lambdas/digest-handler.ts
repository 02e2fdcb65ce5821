import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../core/contract';
import { routeChannels, stackChannels } from './channels';
import { createDigestHandler } from './digest-invocation';
import { readDigestConfig } from './handler-config';
import { createDigestRunDeps } from './wiring';

// Module scope: wired once per container. The daily digest Lambda (README "The digest"), run by EventBridge Scheduler.
const logger = new Logger({ serviceName: SERVICE_NAME });
const config = readDigestConfig(process.env);
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const clients = { sns: new SNSClient({}), secrets: new SecretsManagerClient({}), warn: (message: string) => logger.warn(message) };

export const handler = createDigestHandler({
  logger,
  metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
  run: createDigestRunDeps({
    config,
    documents,
    stackChannels: stackChannels(config, clients),
    routeChannels: routeChannels(config.routing, config.alertTopicArn, clients),
  }),
});
