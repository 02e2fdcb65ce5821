import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbIncidentReader } from '../../lambdas/adapters/dynamodb-incident-reader';
import { createIncidentsTable } from '../../lambdas/adapters/dynamodb-incidents-table';
import { StaticWebhookUrlProvider } from '../../lambdas/adapters/secrets-webhook-url';
import { SlackNotifier } from '../../lambdas/adapters/slack-notifier';
import { SnsNotifier } from '../../lambdas/adapters/sns-notifier';
import type { AlertPolicy } from '../../core/incidents/alert-policy';
import type { IncidentPipeline } from '../../core/incidents/pipeline';
import { createAlertPipeline } from '../../lambdas/wiring';
import type { Notifier } from '../../core/incidents/ports';
import { describeAwsCallError } from '../incidents/errors';
import type { CliIo, OutputStream } from '../io';
import { styleFor } from '../render/style';
import { closeOnSignal, LOCAL_TABLE_NAME, startEmbeddedDynamo, type EmbeddedDynamo } from './embeddedDynamo';
import { LOCAL_CREDENTIALS, LOCAL_REGION, silenceSdkNodeVersionNotice } from './endpoints';
import { LocalRouteNotifier, resolveTopicArn, snsClientFor, TerminalNotifier } from './notifiers';
import { routedChannels, Router } from '../../core/incidents/routes';
import type { RoutesConfig } from '../../core/incidents/routes-schema';

/** The local pipeline could not be set up (a channel's endpoint); the message is one line for the user. */
export class LocalSetupError extends Error {}

export interface LocalPipelineOptions {
  readonly dataDir: string;
  readonly slackWebhook?: string;
  readonly snsEndpoint?: string;
  readonly snsTopicArn?: string;
  /** Where alerts print, or null (--json, whose stdout is one document). */
  readonly terminal: OutputStream | null;
  readonly io: CliIo;
  readonly policy: AlertPolicy;
  readonly retentionDays: number;
  /** `--routes`: each alert goes to its routes' channels (the terminal still prints every alert). */
  readonly routes?: RoutesConfig;
}

export interface LocalPipeline {
  readonly pipeline: IncidentPipeline;
  countIncidents(): Promise<number>;
  /** True once Ctrl-C or SIGTERM arrived: the store is closing, so stop feeding it. */
  stopping(): boolean;
  /** Closes the clients and the embedded store; idempotent. */
  close(): Promise<void>;
}

/**
 * The Lambda's pipeline wired to local parts: the embedded store instead of the deployed table, and the
 * terminal, a Slack webhook and an SNS-compatible endpoint as channels (in that order).
 */
export async function openLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  silenceSdkNodeVersionNotice();
  // Handlers go in before the store starts: a Ctrl-C during start-up waits for the store, then closes it.
  const startUp: { store?: Promise<EmbeddedDynamo> } = {};
  let stopping = false;
  const removeSignalHandlers = closeOnSignal(async () => {
    stopping = true;
    await startUp.store?.then(
      (started) => started.close(),
      () => undefined,
    );
  });
  startUp.store = startEmbeddedDynamo(options.dataDir);
  let store;
  try {
    store = await startUp.store;
  } catch (error) {
    removeSignalHandlers();
    throw error;
  }
  const client = new DynamoDBClient({ endpoint: store.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  let sns: SNSClient | undefined;
  const close = async () => {
    removeSignalHandlers();
    client.destroy();
    sns?.destroy();
    await store.close();
  };
  try {
    await createIncidentsTable(client, LOCAL_TABLE_NAME);
    const notifiers: Notifier[] = [];
    if (options.terminal !== null) notifiers.push(new TerminalNotifier(options.terminal, styleFor(options.io.stdout, options.io.env)));
    if (options.slackWebhook !== undefined) {
      notifiers.push(
        new SlackNotifier({
          webhookUrls: new StaticWebhookUrlProvider(options.slackWebhook),
          warn: (message) => options.io.stderr.write(`denyscope: warning: ${message}\n`),
          // A person is waiting at the terminal: fail a down webhook in about a second, not four.
          maxAttempts: 3,
        }),
      );
    }
    if (options.snsEndpoint !== undefined) {
      sns = snsClientFor(options.snsEndpoint, regionOfTopic(options.snsTopicArn));
      try {
        notifiers.push(new SnsNotifier(sns, await resolveTopicArn(sns, options.snsTopicArn)));
      } catch (error) {
        throw new LocalSetupError(describeAwsCallError(error, `SNS endpoint ${options.snsEndpoint}`));
      }
    }
    const router = options.routes === undefined ? undefined : new Router(options.routes);
    if (router !== undefined) {
      // A route channel this run has no real notifier for (--slack-webhook, --sns-endpoint) is counted on the terminal.
      const style = styleFor(options.io.stdout, options.io.env);
      for (const channel of router.channels) {
        if (!notifiers.some((notifier) => notifier.channel === channel))
          notifiers.push(new LocalRouteNotifier(channel, options.terminal, style));
      }
    }
    const documents = DynamoDBDocumentClient.from(client);
    const { pipeline } = createAlertPipeline({
      config: {
        incidentsTableName: LOCAL_TABLE_NAME,
        retentionDays: options.retentionDays,
        ...options.policy,
      },
      documents,
      notifiers,
      channelsFor: router === undefined ? undefined : routedChannels(router, options.terminal === null ? [] : ['terminal']),
      clock: { now: () => options.io.now() },
      // The data-dir lock makes this process the store's only writer, and processInputs goes one event at a time.
      soleWriter: true,
    });
    return {
      pipeline,
      countIncidents: () => new DynamoDbIncidentReader(documents, LOCAL_TABLE_NAME).countIncidents(),
      stopping: () => stopping,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function regionOfTopic(topicArn: string | undefined): string | undefined {
  return topicArn?.split(':')[3];
}
