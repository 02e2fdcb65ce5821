import { HANDLER_ENV } from '../core/contract';
import type { DeployedRouting } from '../core/incidents/routes';
import { DEFAULT_ALERT_SETTINGS } from '../core/incidents/alert-policy';
import { parseStandingMutes, type Mute } from '../core/incidents/mutes';

export interface HandlerConfig {
  readonly incidentsTableName: string;
  readonly alertTopicArn: string;
  readonly slackWebhookSecretArn: string;
  readonly dedupWindowMinutes: number;
  readonly retentionDays: number;
  /** The alert routes; null: every alert goes to the topic and the Slack webhook. */
  readonly routing: DeployedRouting | null;
  /** The Slack app: bot token secret and channel, both or neither. */
  readonly slackBot: { readonly tokenSecretArn: string; readonly channel: string } | null;
  readonly pagerDutyRoutingKeySecretArn: string | null;
  readonly chatNotificationsTopicArn: string | null;
  /** 0: deep diagnosis is off. */
  readonly deepDiagnosisTimeoutSeconds: number;
  readonly organizationReaderRoleArn: string | null;
  /** Powertools Tracer (X-Ray) on the SDK clients. */
  readonly tracing: boolean;
  readonly acknowledgeHours: number;
  readonly autoResolveDays: number;
  readonly alertOnConsoleReads: boolean;
  /** Standing mutes from the stack configuration. */
  readonly mutes: readonly Mute[];
}

/** What the digest Lambda reads of the same environment (lambdas/digest-handler.ts): the store, the stack's channels, the routes. */
export type DigestConfig = Pick<
  HandlerConfig,
  | 'incidentsTableName'
  | 'retentionDays'
  | 'alertTopicArn'
  | 'slackWebhookSecretArn'
  | 'slackBot'
  | 'chatNotificationsTopicArn'
  | 'routing'
  | 'autoResolveDays'
  | 'mutes'
>;

/** The configuration the stack sets (core/contract.ts); a missing or malformed value names the variable. */
export function readHandlerConfig(env: NodeJS.ProcessEnv): HandlerConfig {
  const read = envReader(env);
  return {
    ...readDigestConfig(env),
    acknowledgeHours: read.optionalNumber(HANDLER_ENV.acknowledgeHours, DEFAULT_ALERT_SETTINGS.acknowledgeHours),
    alertOnConsoleReads: env[HANDLER_ENV.alertOnConsoleReads]?.trim() === 'true',
    dedupWindowMinutes: read.positiveNumber(HANDLER_ENV.dedupWindowMinutes),
    pagerDutyRoutingKeySecretArn: read.optional(HANDLER_ENV.pagerDutyRoutingKeySecretArn),
    deepDiagnosisTimeoutSeconds: read.nonNegativeNumber(HANDLER_ENV.deepDiagnosisTimeoutSeconds),
    organizationReaderRoleArn: read.optional(HANDLER_ENV.organizationReaderRoleArn),
    tracing: env[HANDLER_ENV.tracing]?.trim().toLowerCase() === 'true',
  };
}

/** The digest Lambda's configuration: the variables it shares with the alert Lambda, read by the same rules. */
export function readDigestConfig(env: NodeJS.ProcessEnv): DigestConfig {
  const read = envReader(env);
  const slackTokenSecretArn = read.optional(HANDLER_ENV.slackBotTokenSecretArn);
  const slackChannel = read.optional(HANDLER_ENV.slackChannel);
  if ((slackTokenSecretArn === null) !== (slackChannel === null)) {
    throw new Error(
      `Environment variables ${HANDLER_ENV.slackBotTokenSecretArn} and ${HANDLER_ENV.slackChannel} are set together or not at all`,
    );
  }
  const mutesJson = env[HANDLER_ENV.mutes]?.trim();
  let mutes: readonly Mute[] = [];
  if (mutesJson) {
    try {
      mutes = parseStandingMutes(JSON.parse(mutesJson));
    } catch (error) {
      throw new Error(`Environment variable ${HANDLER_ENV.mutes}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
  return {
    autoResolveDays: read.optionalNumber(HANDLER_ENV.autoResolveDays, DEFAULT_ALERT_SETTINGS.autoResolveDays),
    mutes,
    incidentsTableName: read.required(HANDLER_ENV.incidentsTableName),
    alertTopicArn: read.required(HANDLER_ENV.alertTopicArn),
    slackWebhookSecretArn: read.required(HANDLER_ENV.slackWebhookSecretArn),
    retentionDays: read.positiveNumber(HANDLER_ENV.retentionDays),
    routing: routingOf(env[HANDLER_ENV.alertRoutes]),
    slackBot: slackTokenSecretArn === null || slackChannel === null ? null : { tokenSecretArn: slackTokenSecretArn, channel: slackChannel },
    chatNotificationsTopicArn: read.optional(HANDLER_ENV.chatNotificationsTopicArn),
  };
}

/** Readers of single variables, each naming the variable when its value is missing or malformed. */
function envReader(env: NodeJS.ProcessEnv) {
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
  const nonNegativeNumber = (name: string): number => {
    const value = Number(required(name));
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`Environment variable ${name} must be a number of 0 or more, got ${JSON.stringify(env[name])}`);
    return value;
  };
  return {
    required,
    positiveNumber,
    nonNegativeNumber,
    optional: (name: string): string | null => env[name]?.trim() || null,
    // Set by stacks since lifecycle settings exist; an older stack's function runs with the defaults.
    optionalNumber: (name: string, fallback: number): number => (env[name]?.trim() ? positiveNumber(name) : fallback),
  };
}

/**
 * The routes the stack validated at synth (core/incidents/routes-schema.ts), so only their outline is checked here: a
 * value that is not even that was not written by the stack, and the function stops at init, naming the variable.
 */
function routingOf(value: string | undefined): DeployedRouting | null {
  if (value === undefined || value.trim() === '') return null;
  let routing: Partial<DeployedRouting> | null;
  try {
    routing = JSON.parse(value) as Partial<DeployedRouting> | null;
  } catch (error) {
    throw new Error(`Environment variable ${HANDLER_ENV.alertRoutes} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (
    routing === null ||
    typeof routing !== 'object' ||
    !Array.isArray(routing.routes) ||
    typeof routing.channels !== 'object' ||
    typeof routing.accountOrganizationalUnits !== 'object'
  ) {
    throw new Error(
      `Environment variable ${HANDLER_ENV.alertRoutes} must hold {"routes", "channels", "accountOrganizationalUnits"} as the stack writes it`,
    );
  }
  return routing as DeployedRouting;
}
