import { z } from 'zod';
import { DEFAULT_ALERT_SETTINGS } from '@denyscope/core/incidents/alert-policy';

/**
 * Configuration of the access-denied alerting stack: one schema for both entry points, the typed
 * construct props (`new AccessDeniedAlerts(this, 'Alerts', {...})`) and CDK context
 * (cdk.json `context` or `cdk deploy -c key=value`, where every value arrives as a string).
 */

/** Context keys read by bin/app.ts; each is documented on {@link AlertsConfigInput}. */
export const CONFIG_KEYS = [
  'alertEmails',
  'slackWebhookSecretName',
  'existingSlackWebhookSecretArn',
  'slackSecretReaderArns',
  'createTrail',
  'dataEventTables',
  'dedupWindowMinutes',
  'retentionDays',
  'services',
  'removalPolicy',
  'logLevel',
  'reservedConcurrency',
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export const DEFAULT_SLACK_WEBHOOK_SECRET_NAME = 'denyscope/slack-webhook';
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

// `-c key=value` delivers strings; cdk.json may hold real JSON values. Accept both.
const commaList = (value: unknown): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : value;
const starOrList = (value: unknown): unknown => (value === '*' ? '*' : commaList(value));
const booleanString = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  return normalized === 'true' ? true : normalized === 'false' ? false : value;
};
const integerString = (value: unknown): unknown =>
  typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
const lowerCaseString = (value: unknown): unknown => (typeof value === 'string' ? value.trim().toLowerCase() : value);
const upperCaseString = (value: unknown): unknown => (typeof value === 'string' ? value.trim().toUpperCase() : value);

// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name is 3-255 characters of A-Z a-z 0-9 _ . -');
// The service prefix of an event source: `dynamodb` for dynamodb.amazonaws.com (EventBridge source aws.dynamodb).
const serviceName = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'a service is its lower-case event-source prefix such as dynamodb, kms or s3');
// aws:PrincipalArn, which the secret's policy compares with, is the role's ARN for a role session, never the session's.
const iamPrincipalArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[A-Za-z0-9+=,.@_/-]{1,512}$/,
    'not the ARN of an IAM role or user (arn:aws:iam::ACCOUNT:role/NAME or arn:aws:iam::ACCOUNT:user/NAME; for an assumed-role session give its role\'s ARN)',
  );
const secretName = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a secret name is 1-512 characters of A-Z a-z 0-9 / _ + = . @ -');

const schema = z
  .object({
    alertEmails: z.preprocess(commaList, z.array(z.email('not an e-mail address'))).default([]),
    slackWebhookSecretName: secretName.default(DEFAULT_SLACK_WEBHOOK_SECRET_NAME),
    existingSlackWebhookSecretArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/, 'not the complete ARN of a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)')
      .optional(),
    slackSecretReaderArns: z.preprocess(commaList, z.array(iamPrincipalArn)).default([]),
    createTrail: z.preprocess(booleanString, z.boolean('expected true or false')).default(true),
    dataEventTables: z
      .preprocess(starOrList, z.union([z.literal('*'), z.array(tableName).min(1, 'give "*" or at least one table name')]))
      .default('*'),
    dedupWindowMinutes: z
      .preprocess(integerString, z.number('expected a whole number of minutes').int('expected a whole number of minutes').min(1, 'must be 1 to 10080 minutes (a week)').max(10_080, 'must be 1 to 10080 minutes (a week)'))
      .default(DEFAULT_ALERT_SETTINGS.dedupWindowMinutes),
    retentionDays: z
      .preprocess(integerString, z.number('expected a whole number of days').int('expected a whole number of days').min(1, 'must be 1 to 3650 days').max(3_650, 'must be 1 to 3650 days'))
      .default(DEFAULT_ALERT_SETTINGS.retentionDays),
    services: z
      .preprocess(starOrList, z.union([z.literal('*'), z.array(serviceName).min(1, 'give "*" or at least one service')]))
      .default(['dynamodb']),
    removalPolicy: z.preprocess(lowerCaseString, z.enum(['retain', 'destroy'], 'expected retain or destroy')).default('retain'),
    logLevel: z.preprocess(upperCaseString, z.enum(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(', ')}`)).default('INFO'),
    reservedConcurrency: z
      .preprocess(integerString, z.number('expected a whole number').int('expected a whole number').min(2, 'must be 2 to 1000 (the SQS event source needs at least 2)').max(1000, 'must be 2 to 1000 (the SQS event source needs at least 2)'))
      .default(5),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.existingSlackWebhookSecretArn && config.slackSecretReaderArns.length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['slackSecretReaderArns'],
        message: 'applies only to the secret the stack creates; an existing secret (existingSlackWebhookSecretArn) keeps its own resource policy: name its readers there',
      });
    }
  });

/** What callers may pass (construct props or context values); every key is optional. */
export interface AlertsConfigInput {
  /** E-mail addresses subscribed to the alert topic (each must confirm the subscription). @default - none */
  readonly alertEmails?: readonly string[];
  /** Name of the Secrets Manager secret holding the Slack incoming-webhook URL; created empty by the stack. @default 'denyscope/slack-webhook' */
  readonly slackWebhookSecretName?: string;
  /** Complete ARN (with the six-character suffix) of an existing secret to use for the Slack webhook instead of creating one. @default - the stack creates `slackWebhookSecretName` */
  readonly existingSlackWebhookSecretArn?: string;
  /**
   * IAM roles or users, besides the alert Lambda's role, that may read the Slack webhook URL: the secret's resource
   * policy denies secretsmanager:GetSecretValue to every other principal. Not with existingSlackWebhookSecretArn.
   * @default - none
   */
  readonly slackSecretReaderArns?: readonly string[];
  /** Create a multi-region trail that logs DynamoDB data events (item calls reach EventBridge only when a trail logs them). @default true */
  readonly createTrail?: boolean;
  /** Tables whose data events the trail logs, or '*' for every table in the account. @default '*' */
  readonly dataEventTables?: '*' | readonly string[];
  /** Repeats of an open incident within this many minutes are counted, not re-alerted. @default 60 */
  readonly dedupWindowMinutes?: number;
  /** Days incidents are kept (DynamoDB TTL) and trail log files are kept in S3. @default 90 */
  readonly retentionDays?: number;
  /** Services whose denials are watched (event-source prefixes such as 'dynamodb'), or '*' for every AWS service. @default ['dynamodb'] */
  readonly services?: '*' | readonly string[];
  /** What happens to the incidents table, keys and logs when the stack is deleted. @default 'retain' */
  readonly removalPolicy?: 'retain' | 'destroy';
  /** Powertools log level of the alert Lambda. @default 'INFO' */
  readonly logLevel?: (typeof LOG_LEVELS)[number];
  /** Reserved (and maximum event-source) concurrency of the alert Lambda. @default 5 */
  readonly reservedConcurrency?: number;
}

/** The configuration with every default applied and every value checked. */
export type AlertsConfig = z.output<typeof schema>;

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * Applies defaults and validates. `source` names where the values came from so that the message
 * says what to fix: 'AccessDeniedAlerts props' or 'CDK context'.
 */
export function resolveConfig(input: unknown, source = 'AccessDeniedAlerts props'): AlertsConfig {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const raw = (input ?? {}) as Record<string, unknown>;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown key(s) ${issue.keys.map((key) => `"${key}"`).join(', ')} (known: ${CONFIG_KEYS.join(', ')})`;
    }
    const key = String(issue.path[0] ?? '');
    const where = issue.path.length > 1 ? `${key}[${issue.path.slice(1).join('.')}]` : key;
    return `"${where}": ${issue.message} (got ${JSON.stringify(raw[key])})`;
  });
  throw new ConfigurationError(`Invalid ${source}:\n  - ${problems.join('\n  - ')}`);
}

/** Reads the known keys from CDK context (`node.tryGetContext`), leaving unset keys to their defaults. */
export function configFromContext(tryGetContext: (key: string) => unknown): AlertsConfig {
  const values: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = tryGetContext(key);
    if (value !== undefined && value !== '') values[key] = value;
  }
  return resolveConfig(values, 'CDK context (cdk.json "context" or -c key=value)');
}
