import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DigestSender, Notifier } from '../core/incidents/ports';
import type { DeployedRouting } from '../core/incidents/routes';
import { ChatNotificationNotifier } from './adapters/chat-notification-notifier';
import { slackBotTokenSecret } from './adapters/secret-value';
import { SecretsManagerWebhookUrlProvider } from './adapters/secrets-webhook-url';
import { SlackBotNotifier, SlackWebApi } from './adapters/slack-bot-notifier';
import { SlackNotifier } from './adapters/slack-notifier';
import { SnsNotifier } from './adapters/sns-notifier';
import type { DigestConfig } from './handler-config';

/** A channel that takes both alerts and the daily digest. */
export type Channel = Notifier & DigestSender;

export interface ChannelClients {
  readonly sns: SNSClient;
  readonly secrets: SecretsManagerClient;
  /** Configuration warnings (a secret without a usable value), never a secret value. */
  readonly warn: (message: string) => void;
}

/**
 * The stack's own channels, as the alert Lambda and the digest Lambda both deliver to them, in delivery order: the alert
 * topic (e-mail), Slack (through the app's bot token when one is configured, else the incoming webhook), and the
 * Amazon Q Developer topic when configured.
 */
export function stackChannels(config: DigestConfig, clients: ChannelClients): Channel[] {
  const { sns, secrets, warn } = clients;
  const slack: Channel =
    config.slackBot === null
      ? new SlackNotifier({
          webhookUrls: new SecretsManagerWebhookUrlProvider(secrets, { secretId: config.slackWebhookSecretArn, warn }),
          warn,
        })
      : new SlackBotNotifier({
          api: new SlackWebApi({ token: slackBotTokenSecret(secrets, config.slackBot.tokenSecretArn, warn) }),
          channelId: config.slackBot.channel,
          warn,
        });
  const channels: Channel[] = [new SnsNotifier(sns, config.alertTopicArn), slack];
  if (config.chatNotificationsTopicArn !== null) channels.push(new ChatNotificationNotifier(sns, config.chatNotificationsTopicArn));
  return channels;
}

/** One channel per channel the routes declare: its topic (in the alert topic's account and Region) or its webhook secret. */
export function routeChannels(routing: DeployedRouting | null, alertTopicArn: string, clients: ChannelClients): Channel[] {
  const { sns, secrets, warn } = clients;
  const topicArnPrefix = alertTopicArn.slice(0, alertTopicArn.lastIndexOf(':') + 1);
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
