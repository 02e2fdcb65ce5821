import { HANDLER_ENV } from '../core/contract';

export interface HandlerConfig {
  readonly incidentsTableName: string;
  readonly alertTopicArn: string;
  readonly slackWebhookSecretArn: string;
  readonly dedupWindowMinutes: number;
  readonly retentionDays: number;
  /** 0: deep diagnosis is off. */
  readonly deepDiagnosisTimeoutSeconds: number;
  readonly organizationReaderRoleArn: string | null;
  /** Powertools Tracer (X-Ray) on the SDK clients. */
  readonly tracing: boolean;
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
  const nonNegativeNumber = (name: string): number => {
    const value = Number(required(name));
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`Environment variable ${name} must be a number of 0 or more, got ${JSON.stringify(env[name])}`);
    return value;
  };
  return {
    incidentsTableName: required(HANDLER_ENV.incidentsTableName),
    alertTopicArn: required(HANDLER_ENV.alertTopicArn),
    slackWebhookSecretArn: required(HANDLER_ENV.slackWebhookSecretArn),
    dedupWindowMinutes: positiveNumber(HANDLER_ENV.dedupWindowMinutes),
    retentionDays: positiveNumber(HANDLER_ENV.retentionDays),
    deepDiagnosisTimeoutSeconds: nonNegativeNumber(HANDLER_ENV.deepDiagnosisTimeoutSeconds),
    organizationReaderRoleArn: env[HANDLER_ENV.organizationReaderRoleArn]?.trim() || null,
    tracing: env[HANDLER_ENV.tracing]?.trim().toLowerCase() === 'true',
  };
}
