import { HANDLER_ENV } from '../core/contract';

export interface HandlerConfig {
  readonly incidentsTableName: string;
  readonly alertTopicArn: string;
  readonly slackWebhookSecretArn: string;
  readonly dedupWindowMinutes: number;
  readonly retentionDays: number;
  /** The Slack app: bot token secret and channel, both or neither. */
  readonly slackBot: { readonly tokenSecretArn: string; readonly channel: string } | null;
  readonly pagerDutyRoutingKeySecretArn: string | null;
  readonly chatNotificationsTopicArn: string | null;
}

/** The configuration the stack sets (core/contract.ts); a missing or malformed value names the variable. */
export function readHandlerConfig(env: NodeJS.ProcessEnv): HandlerConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`Environment variable ${name} is not set`);
    return value;
  };
  const positiveNumber = (name: string): number => {
    const value = Number(required(name));
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`Environment variable ${name} must be a positive number, got ${JSON.stringify(env[name])}`);
    return value;
  };
  const optional = (name: string): string | null => env[name]?.trim() || null;
  const slackTokenSecretArn = optional(HANDLER_ENV.slackBotTokenSecretArn);
  const slackChannel = optional(HANDLER_ENV.slackChannel);
  if ((slackTokenSecretArn === null) !== (slackChannel === null)) {
    throw new Error(
      `Environment variables ${HANDLER_ENV.slackBotTokenSecretArn} and ${HANDLER_ENV.slackChannel} are set together or not at all`,
    );
  }
  return {
    incidentsTableName: required(HANDLER_ENV.incidentsTableName),
    alertTopicArn: required(HANDLER_ENV.alertTopicArn),
    slackWebhookSecretArn: required(HANDLER_ENV.slackWebhookSecretArn),
    dedupWindowMinutes: positiveNumber(HANDLER_ENV.dedupWindowMinutes),
    retentionDays: positiveNumber(HANDLER_ENV.retentionDays),
    slackBot: slackTokenSecretArn === null || slackChannel === null ? null : { tokenSecretArn: slackTokenSecretArn, channel: slackChannel },
    pagerDutyRoutingKeySecretArn: optional(HANDLER_ENV.pagerDutyRoutingKeySecretArn),
    chatNotificationsTopicArn: optional(HANDLER_ENV.chatNotificationsTopicArn),
  };
}
