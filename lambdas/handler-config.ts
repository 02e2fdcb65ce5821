import { HANDLER_ENV } from '../core/contract';
import { DEFAULT_ALERT_SETTINGS } from '../core/incidents/alert-policy';
import { parseStandingMutes, type Mute } from '../core/incidents/mutes';

export interface HandlerConfig {
  readonly incidentsTableName: string;
  readonly alertTopicArn: string;
  readonly slackWebhookSecretArn: string;
  readonly dedupWindowMinutes: number;
  readonly retentionDays: number;
  readonly acknowledgeHours: number;
  readonly autoResolveDays: number;
  readonly alertOnConsoleReads: boolean;
  /** Standing mutes from the stack configuration. */
  readonly mutes: readonly Mute[];
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
  // Set by stacks since lifecycle settings exist; an older stack's function runs with the defaults.
  const optionalNumber = (name: string, fallback: number): number => (env[name]?.trim() ? positiveNumber(name) : fallback);
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
    acknowledgeHours: optionalNumber(HANDLER_ENV.acknowledgeHours, DEFAULT_ALERT_SETTINGS.acknowledgeHours),
    autoResolveDays: optionalNumber(HANDLER_ENV.autoResolveDays, DEFAULT_ALERT_SETTINGS.autoResolveDays),
    alertOnConsoleReads: env[HANDLER_ENV.alertOnConsoleReads]?.trim() === 'true',
    mutes,
    incidentsTableName: required(HANDLER_ENV.incidentsTableName),
    alertTopicArn: required(HANDLER_ENV.alertTopicArn),
    slackWebhookSecretArn: required(HANDLER_ENV.slackWebhookSecretArn),
    dedupWindowMinutes: positiveNumber(HANDLER_ENV.dedupWindowMinutes),
    retentionDays: positiveNumber(HANDLER_ENV.retentionDays),
  };
}
