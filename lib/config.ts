import { z } from 'zod';
import { DEFAULT_ALERT_SETTINGS } from '@denyscope/core/incidents/alert-policy';
import { checkRoutes, formatRoutesProblem, type RoutesConfig, type RoutesInput } from '@denyscope/core/incidents/routes-schema';
import { parseStandingMutes, standingMuteList, type StandingMuteInput } from '@denyscope/core/incidents/mutes';

/**
 * Configuration of the access-denied alerting stack: one schema for both entry points, the typed
 * construct props (`new AccessDeniedAlerts(this, 'Alerts', {...})`) and CDK context
 * (cdk.json `context` or `cdk deploy -c key=value`, where every value arrives as a string).
 */

/** The keys that only mode=organization reads. */
const ORGANIZATION_KEYS = [
  'organizationId',
  'memberRegions',
  'memberOrganizationalUnits',
  'principalOrgPaths',
  'stackSetCallAs',
  'organizationTrail',
  'managementAccountId',
] as const;

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
  'acknowledgeHours',
  'autoResolveDays',
  'alertOnConsoleReads',
  'mutes',
  'digest',
  'digestTime',
  'services',
  'removalPolicy',
  'logLevel',
  'reservedConcurrency',
  'existingIncidentsTableArn',
  'existingIncidentsTableKeyArn',
  'slackBotTokenSecretName',
  'slackChannel',
  'pagerDutyRoutingKeySecretName',
  'chatNotificationsTopic',
  'deepDiagnosis',
  'deepDiagnosisTimeoutSeconds',
  'organizationReaderRoleArn',
  'tracing',
  'mode',
  'routes',
  ...ORGANIZATION_KEYS,
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export const DEFAULT_SLACK_WEBHOOK_SECRET_NAME = 'denyscope/slack-webhook';
export const DEFAULT_DIGEST_TIME = '09:00';
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export const MODES = ['account', 'organization'] as const;
export const STACK_SET_CALL_AS = ['SELF', 'DELEGATED_ADMIN'] as const;

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
const integerString = (value: unknown): unknown => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value);
/** HH:MM, 24-hour clock (the digest's time of day, UTC). */
const DIGEST_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const lowerCaseString = (value: unknown): unknown => (typeof value === 'string' ? value.trim().toLowerCase() : value);
const upperCaseString = (value: unknown): unknown => (typeof value === 'string' ? value.trim().toUpperCase() : value);

/** A whole number from `min` to `max`, as JSON or context text; `expected` and `range` are the error messages. */
function wholeNumber(min: number, max: number, expected: string, range: string) {
  return z.preprocess(integerString, z.number(expected).int(expected).min(min, range).max(max, range));
}

// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name is 3-255 characters of A-Z a-z 0-9 _ . -');
// The service prefix of an event source: `dynamodb` for dynamodb.amazonaws.com (EventBridge source aws.dynamodb).
const serviceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'a service is its lower-case event-source prefix such as dynamodb, kms or s3');
// aws:PrincipalArn, which the secret's policy compares with, is the role's ARN for a role session, never the session's.
const iamPrincipalArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[A-Za-z0-9+=,.@_/-]{1,512}$/,
    "not the ARN of an IAM role or user (arn:aws:iam::ACCOUNT:role/NAME or arn:aws:iam::ACCOUNT:user/NAME; for an assumed-role session give its role's ARN)",
  );
// Formats from the Organizations and CloudFormation StackSets API references (Organization.Id, OrganizationalUnitIds).
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const organizationId = z
  .string()
  .regex(
    ORGANIZATION_ID,
    'not an organization id (o- and 10 to 32 lower-case letters or digits: aws organizations describe-organization --query Organization.Id)',
  );
const organizationalUnitId = z
  .string()
  .regex(/^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/, 'not an organizational unit id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)');
const regionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'not an AWS Region name such as eu-west-1');
const accountId = z.string().regex(/^\d{12}$/, 'not a 12-digit AWS account id');
// aws:PrincipalOrgPaths values: o-ORG/r-ROOT/ou-.../ (IAM User Guide, "AWS global condition context keys").
const ORGANIZATION_PATH = /^(o-[a-z0-9]{10,32})\/r-[a-z0-9]{4,32}(\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})*(\/|\/\*)?$/;
/** A path and every OU below it: the form aws:PrincipalOrgPaths is compared with (ForAnyValue:StringLike). */
const organizationPath = z
  .string()
  .regex(ORGANIZATION_PATH, 'not an organization path (o-ORG/r-ROOT/ou-OU/... as aws:PrincipalOrgPaths shows it)')
  .transform((path) => `${path.replace(/\/?\*?$/, '')}/*`);
const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/, 'not the ARN of an IAM role (arn:aws:iam::ACCOUNT:role/NAME)');
/** The longest deep diagnosis budget: an alert waits for it, inside the function's timeout with the delivery after it. */
export const MAX_DEEP_DIAGNOSIS_TIMEOUT_SECONDS = 20;
const noDuplicates = (values: readonly string[]) => new Set(values).size === values.length;
const secretName = z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a secret name is 1-512 characters of A-Z a-z 0-9 / _ + = . @ -');
/** Marks an issue whose message already names what is wrong, so the value (a whole routes document) is not repeated. */
const VALUE_NAMED = { valueNamed: true };
// The routes document (core/incidents/routes-schema.ts): an object in cdk.json or props, a JSON string with -c routes='{...}'.
const routes = z.unknown().transform((value, context): RoutesConfig | undefined => {
  if (value === undefined) return undefined;
  let document = value;
  if (typeof value === 'string') {
    try {
      document = JSON.parse(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: `not JSON: ${(error as Error).message}`, params: VALUE_NAMED });
      return z.NEVER;
    }
  }
  const result = checkRoutes(document);
  if (result.ok) return result.config;
  for (const problem of result.problems) context.addIssue({ code: 'custom', message: formatRoutesProblem(problem), params: VALUE_NAMED });
  return z.NEVER;
});

const schema = z
  .object({
    alertEmails: z.preprocess(commaList, z.array(z.email('not an e-mail address'))).default([]),
    slackWebhookSecretName: secretName.default(DEFAULT_SLACK_WEBHOOK_SECRET_NAME),
    existingSlackWebhookSecretArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/,
        'not the complete ARN of a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)',
      )
      .optional(),
    slackSecretReaderArns: z.preprocess(commaList, z.array(iamPrincipalArn)).default([]),
    createTrail: z.preprocess(booleanString, z.boolean('expected true or false')).default(true),
    dataEventTables: z
      .preprocess(starOrList, z.union([z.literal('*'), z.array(tableName).min(1, 'give "*" or at least one table name')]))
      .default('*'),
    dedupWindowMinutes: wholeNumber(1, 10_080, 'expected a whole number of minutes', 'must be 1 to 10080 minutes (a week)').default(
      DEFAULT_ALERT_SETTINGS.dedupWindowMinutes,
    ),
    retentionDays: wholeNumber(1, 3_650, 'expected a whole number of days', 'must be 1 to 3650 days').default(
      DEFAULT_ALERT_SETTINGS.retentionDays,
    ),
    acknowledgeHours: wholeNumber(1, 8_760, 'expected a whole number of hours', 'must be 1 to 8760 hours (a year)').default(
      DEFAULT_ALERT_SETTINGS.acknowledgeHours,
    ),
    autoResolveDays: wholeNumber(1, 3_650, 'expected a whole number of days', 'must be 1 to 3650 days').default(
      DEFAULT_ALERT_SETTINGS.autoResolveDays,
    ),
    alertOnConsoleReads: z
      .preprocess(booleanString, z.boolean('expected true or false'))
      .default(DEFAULT_ALERT_SETTINGS.alertOnConsoleReads),
    // A list, or its JSON text (`-c mutes='[...]'`), checked by the rules the Lambda applies to them.
    mutes: z
      .unknown()
      .transform((mutes, context) => {
        try {
          parseStandingMutes(mutes);
          return standingMuteList(mutes) as StandingMuteInput[];
        } catch (error) {
          context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
          return z.NEVER;
        }
      })
      .default([]),
    digest: z.preprocess(booleanString, z.boolean('expected true or false')).default(true),
    digestTime: z
      .string('expected a time of day, HH:MM (UTC)')
      .trim()
      .regex(DIGEST_TIME, 'expected a time of day HH:MM in UTC, 00:00 to 23:59, such as 09:00')
      .default(DEFAULT_DIGEST_TIME),
    services: z
      .preprocess(starOrList, z.union([z.literal('*'), z.array(serviceName).min(1, 'give "*" or at least one service')]))
      .default(['dynamodb']),
    removalPolicy: z.preprocess(lowerCaseString, z.enum(['retain', 'destroy'], 'expected retain or destroy')).default('retain'),
    logLevel: z.preprocess(upperCaseString, z.enum(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(', ')}`)).default('INFO'),
    reservedConcurrency: wholeNumber(
      2,
      1000,
      'expected a whole number',
      'must be 2 to 1000 (the SQS event source needs at least 2)',
    ).default(5),
    existingIncidentsTableArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/,
        'not the ARN of a DynamoDB table (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME)',
      )
      .optional(),
    existingIncidentsTableKeyArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'not the ARN of a KMS key (arn:aws:kms:REGION:ACCOUNT:key/ID)')
      .optional(),
    slackBotTokenSecretName: secretName.optional(),
    slackChannel: z
      .string()
      .regex(/^[CG][A-Z0-9]{8,}$/, 'not a Slack channel ID (C or G and at least 8 capital letters or digits: channel details, About)')
      .optional(),
    pagerDutyRoutingKeySecretName: secretName.optional(),
    chatNotificationsTopic: z.preprocess(booleanString, z.boolean('expected true or false')).default(false),
    deepDiagnosis: z.preprocess(booleanString, z.boolean('expected true or false')).default(true),
    deepDiagnosisTimeoutSeconds: wholeNumber(
      0,
      MAX_DEEP_DIAGNOSIS_TIMEOUT_SECONDS,
      'expected a whole number of seconds',
      `must be 0 (off) to ${MAX_DEEP_DIAGNOSIS_TIMEOUT_SECONDS} seconds`,
    ).default(4),
    organizationReaderRoleArn: roleArn.optional(),
    tracing: z.preprocess(booleanString, z.boolean('expected true or false')).default(false),
    mode: z.preprocess(lowerCaseString, z.enum(MODES, `expected one of ${MODES.join(', ')}`)).default('account'),
    routes: routes.optional(),
    organizationId: organizationId.optional(),
    memberRegions: z
      .preprocess(commaList, z.array(regionName).min(1, 'give at least one Region').refine(noDuplicates, 'a Region is listed twice'))
      .optional(),
    memberOrganizationalUnits: z
      .preprocess(
        commaList,
        z.array(organizationalUnitId).min(1, 'give at least one OU or root id').refine(noDuplicates, 'an OU is listed twice'),
      )
      .optional(),
    principalOrgPaths: z
      .preprocess(commaList, z.array(organizationPath).min(1, 'give at least one path, or leave the key out for the whole organization'))
      .optional(),
    stackSetCallAs: z.preprocess(upperCaseString, z.enum(STACK_SET_CALL_AS, `expected one of ${STACK_SET_CALL_AS.join(', ')}`)).optional(),
    organizationTrail: z.preprocess(booleanString, z.boolean('expected true or false')).optional(),
    managementAccountId: accountId.optional(),
  })
  .strict()
  .superRefine((config, context) => {
    const problem = (key: string, message: string) => context.addIssue({ code: 'custom', path: [key], message });
    if (config.existingSlackWebhookSecretArn && config.slackSecretReaderArns.length > 0) {
      problem(
        'slackSecretReaderArns',
        'applies only to the secret the stack creates; an existing secret (existingSlackWebhookSecretArn) keeps its own resource policy: name its readers there',
      );
    }
    if (config.slackBotTokenSecretName && !config.slackChannel)
      problem('slackChannel', 'required with slackBotTokenSecretName: the ID of the channel the bot posts alerts to (C...)');
    if (config.slackChannel && !config.slackBotTokenSecretName)
      problem('slackBotTokenSecretName', 'required with slackChannel: the secret that holds the Slack bot token');
    checkExistingTable(config, problem);
    for (const [name, channel] of Object.entries(config.routes?.channels ?? {})) {
      if (channel.type === 'slack' && channel.secretName === config.slackWebhookSecretName && !config.existingSlackWebhookSecretArn) {
        problem(
          'routes',
          `channel "${name}", secretName: ${channel.secretName} is the stack's own Slack secret (slackWebhookSecretName): name the built-in channel "slack" instead`,
        );
      }
    }
    if (config.organizationReaderRoleArn && !deepDiagnosisOn(config))
      problem(
        'organizationReaderRoleArn',
        'deep diagnosis reads through it: it needs deepDiagnosis=true and deepDiagnosisTimeoutSeconds above 0',
      );
    if (config.mode === 'account') {
      for (const key of ORGANIZATION_KEYS) {
        if (config[key] !== undefined) problem(key, 'applies only to mode=organization');
      }
      return;
    }
    checkOrganization(config, problem);
  });

type Problem = (key: string, message: string) => void;

/** Whether the alert Lambda reads evidence from AWS: turned on, with a budget (0 turns it off too). */
export function deepDiagnosisOn(config: { readonly deepDiagnosis: boolean; readonly deepDiagnosisTimeoutSeconds: number }): boolean {
  return config.deepDiagnosis && config.deepDiagnosisTimeoutSeconds > 0;
}

/** The retained table of an earlier deployment is used with its own key, in the account and Region that hold both. */
function checkExistingTable(config: { existingIncidentsTableArn?: string; existingIncidentsTableKeyArn?: string }, problem: Problem): void {
  const { existingIncidentsTableArn: tableArn, existingIncidentsTableKeyArn: keyArn } = config;
  if (tableArn && !keyArn)
    problem(
      'existingIncidentsTableKeyArn',
      'required with existingIncidentsTableArn: the ARN of the key that encrypts the table (aws dynamodb describe-table --query Table.SSEDescription.KMSMasterKeyArn)',
    );
  if (keyArn && !tableArn)
    problem('existingIncidentsTableArn', 'required with existingIncidentsTableKeyArn: the ARN of the incidents table to reuse');
  const accountAndRegion = (arn: string) => arn.split(':').slice(3, 5).join(':');
  if (tableArn && keyArn && accountAndRegion(tableArn) !== accountAndRegion(keyArn)) {
    problem('existingIncidentsTableKeyArn', 'must be in the account and Region of existingIncidentsTableArn');
  }
}

function checkOrganization(
  config: {
    organizationId?: string;
    memberRegions?: string[];
    memberOrganizationalUnits?: string[];
    principalOrgPaths?: string[];
    stackSetCallAs?: string;
    organizationTrail?: boolean;
    managementAccountId?: string;
    createTrail: boolean;
  },
  problem: Problem,
): void {
  if (!config.organizationId)
    problem(
      'organizationId',
      'required with mode=organization: the o-... id of your organization (aws organizations describe-organization --query Organization.Id)',
    );
  if (!config.memberRegions)
    problem('memberRegions', 'required with mode=organization: the Regions to watch in every member account, e.g. eu-west-1,us-east-1');
  if (!config.memberOrganizationalUnits)
    problem(
      'memberOrganizationalUnits',
      'required with mode=organization: the OUs (ou-...) or the root (r-...) whose accounts the StackSet deploys to',
    );
  for (const path of config.principalOrgPaths ?? []) {
    if (config.organizationId && !path.startsWith(`${config.organizationId}/`))
      problem('principalOrgPaths', `${path} is not a path of organizationId ${config.organizationId}`);
  }
  if (config.organizationTrail && !config.createTrail)
    problem('organizationTrail', 'the organization trail is the trail the stack creates: it needs createTrail=true');
  // With SELF the stack runs in the management account, which owns the organization trail; a delegated administrator does not.
  if (config.organizationTrail && config.stackSetCallAs === 'DELEGATED_ADMIN' && !config.managementAccountId) {
    problem(
      'managementAccountId',
      'required with organizationTrail=true and stackSetCallAs=DELEGATED_ADMIN: the management account owns the organization trail, and the bucket and key policies name it',
    );
  }
}

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
  /** An acknowledged incident's repeats are counted, not alerted, for this many hours after it was acknowledged. @default 24 */
  readonly acknowledgeHours?: number;
  /** An incident with no occurrence for this many days is resolved: its next occurrence reopens it and alerts at once. @default 14 */
  readonly autoResolveDays?: number;
  /** Alert on read-only denials from console sessions too (by default they are recorded and reported in the digest). @default false */
  readonly alertOnConsoleReads?: boolean;
  /**
   * Standing mutes, for exceptions that belong in code review: matching denials are recorded, never alerted. Each is
   * {principal?, action?, resource?, cause?, account?, until, reason} (`*` wildcards; until an ISO time or "never").
   * @default - none
   */
  readonly mutes?: readonly StandingMuteInput[];
  /**
   * The daily digest (README "The digest"): EventBridge Scheduler runs the digest Lambda every day at `digestTime`, which
   * resolves idle incidents and sends each route's digest to its channels. false: no schedule and no digest Lambda.
   * @default true
   */
  readonly digest?: boolean;
  /** When the daily digest is sent: HH:MM, 24-hour clock, always UTC (no time zone setting; UTC has no daylight saving). @default '09:00' */
  readonly digestTime?: string;
  /** Services whose denials are watched (event-source prefixes such as 'dynamodb'), or '*' for every AWS service. @default ['dynamodb'] */
  readonly services?: '*' | readonly string[];
  /** What happens to the incidents table, keys and logs when the stack is deleted. @default 'retain' */
  readonly removalPolicy?: 'retain' | 'destroy';
  /** Powertools log level of the alert Lambda. @default 'INFO' */
  readonly logLevel?: (typeof LOG_LEVELS)[number];
  /** Reserved (and maximum event-source) concurrency of the alert Lambda. @default 5 */
  readonly reservedConcurrency?: number;
  /**
   * The incidents table of an earlier deployment to use instead of creating one (kept by removalPolicy=retain), in this
   * stack's account and Region. With existingIncidentsTableKeyArn. @default - the stack creates the table
   */
  readonly existingIncidentsTableArn?: string;
  /** The customer managed key that encrypts existingIncidentsTableArn. @default - none */
  readonly existingIncidentsTableKeyArn?: string;
  /**
   * Alert routes: which channels (SNS topics and Slack webhook secrets the stack creates, or the built-in "sns" and
   * "slack") get the alerts of which accounts, OUs, tables, causes and severities (README "Route alerts"). A JSON
   * string is read as the same document. @default - every alert goes to the alert topic and the Slack webhook
   */
  readonly routes?: RoutesInput | string;
  /**
   * Name of a Secrets Manager secret (created empty by the stack) for a Slack app's bot token (xoxb-..., scope
   * chat:write). With it, alerts go to `slackChannel` through the Web API and repeats thread under the first alert;
   * the incoming webhook is then not used. @default - none: Slack alerts use the incoming webhook
   */
  readonly slackBotTokenSecretName?: string;
  /** With slackBotTokenSecretName: the ID (C...) of the channel the bot posts to; invite the bot there. @default - none */
  readonly slackChannel?: string;
  /**
   * Name of a Secrets Manager secret (created empty by the stack) for a PagerDuty Events API v2 routing key:
   * high-severity incidents trigger there, with the incident id as dedup key. @default - none: no PagerDuty
   */
  readonly pagerDutyRoutingKeySecretName?: string;
  /**
   * Create a second encrypted topic whose messages are Amazon Q Developer custom notifications (threaded per
   * incident): map it to a Slack, Teams or Chime channel in Amazon Q Developer in chat applications. @default false
   */
  readonly chatNotificationsTopic?: boolean;
  /**
   * Deep diagnosis: on each alert, the Lambda reads AWS's authorization record of the denial, else the policies it needs
   * (IAM, DynamoDB, KMS, VPC endpoint; SCPs and RCPs with organizationReaderRoleArn), evaluates them, and the alert names
   * the statement. Off: no read permission is granted. @default true
   */
  readonly deepDiagnosis?: boolean;
  /** Whole seconds an alert may wait for deep diagnosis (0 to 20; 0 turns it off); what is not read by then is named in the alert. @default 4 */
  readonly deepDiagnosisTimeoutSeconds?: number;
  /**
   * A role in the organization's management account (or a delegated administrator) that deep diagnosis assumes to
   * read SCPs and RCPs: the OrganizationReader stack creates one. @default - SCPs and RCPs are not read
   */
  readonly organizationReaderRoleArn?: string;
  /**
   * AWS X-Ray: active tracing of the alert Lambda and Powertools Tracer on its SDK clients. Off by default: loading the
   * X-Ray SDK is most of the Lambda's module init beyond its SDK clients (README, Benchmarks). @default false
   */
  readonly tracing?: boolean;
  /**
   * 'account' watches this account; 'organization' also receives the denials of every account of the organization
   * (a central event bus, and a StackSet that forwards them from each member account and Region). @default 'account'
   */
  readonly mode?: (typeof MODES)[number];
  /** mode=organization: the organization's id (o-...); only its accounts may send to the central bus. */
  readonly organizationId?: string;
  /** mode=organization: the Regions the StackSet deploys to in every member account (us-east-1 is always added, for global services). */
  readonly memberRegions?: readonly string[];
  /** mode=organization: the OUs (ou-...) or root (r-...) whose accounts, present and future, the StackSet deploys to. */
  readonly memberOrganizationalUnits?: readonly string[];
  /** mode=organization: only accounts under these organization paths (o-.../r-.../ou-.../) may send to the central bus. @default - the whole organization */
  readonly principalOrgPaths?: readonly string[];
  /** mode=organization: 'SELF' when deploying from the management account, 'DELEGATED_ADMIN' from a StackSets delegated administrator. @default 'SELF' */
  readonly stackSetCallAs?: (typeof STACK_SET_CALL_AS)[number];
  /** mode=organization: the trail the stack creates is an organization trail, logging every account. @default false */
  readonly organizationTrail?: boolean;
  /** mode=organization: the management account, which owns an organization trail. @default - this stack's account (stackSetCallAs=SELF) */
  readonly managementAccountId?: string;
}

/** The configuration with every default applied and every value checked. */
export type AlertsConfig = z.output<typeof schema>;

/** What mode=organization reads, with its defaults applied. */
export interface OrganizationSettings {
  readonly organizationId: string;
  readonly memberRegions: readonly string[];
  readonly memberOrganizationalUnits: readonly string[];
  /** Each path ending in `/*`; empty for the whole organization. */
  readonly principalOrgPaths: readonly string[];
  readonly stackSetCallAs: (typeof STACK_SET_CALL_AS)[number];
  readonly organizationTrail: boolean;
  readonly managementAccountId?: string;
}

/** The organization settings of a validated configuration; undefined in mode=account. */
export function organizationSettings(config: AlertsConfig): OrganizationSettings | undefined {
  if (config.mode !== 'organization') return undefined;
  // resolveConfig has checked that mode=organization has all of these.
  return {
    organizationId: config.organizationId!,
    memberRegions: config.memberRegions!,
    memberOrganizationalUnits: config.memberOrganizationalUnits!,
    principalOrgPaths: config.principalOrgPaths ?? [],
    stackSetCallAs: config.stackSetCallAs ?? 'SELF',
    organizationTrail: config.organizationTrail ?? false,
    managementAccountId: config.managementAccountId,
  };
}

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
  return parsed(schema, input, source, CONFIG_KEYS);
}

const CONTEXT_SOURCE = 'CDK context (cdk.json "context" or -c key=value)';

/** Reads the known keys from CDK context (`node.tryGetContext`), leaving unset keys to their defaults. */
export function configFromContext(tryGetContext: (key: string) => unknown): AlertsConfig {
  return resolveConfig(contextValues(tryGetContext, CONFIG_KEYS), CONTEXT_SOURCE);
}

/** Context keys read by bin/app.ts only: which stacks the app holds. */
export const APP_KEYS = ['stackName', 'watchManagementAccount', 'organizationReader', 'alertingAccountId', 'alertingRoleArn'] as const;

const appSchema = z
  .object({
    // CloudFormation stack names; the management-account stack appends "Member".
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,121}$/, 'a stack name is a letter then up to 121 letters, digits or hyphens')
      .default('Denyscope'),
    watchManagementAccount: z.preprocess(booleanString, z.boolean('expected true or false')).default(false),
    // The OrganizationReader stack, for the management account: the role deep diagnosis reads SCPs and RCPs through.
    organizationReader: z.preprocess(booleanString, z.boolean('expected true or false')).default(false),
    alertingAccountId: accountId.optional(),
    alertingRoleArn: roleArn.optional(),
  })
  .strict()
  .superRefine((settings, context) => {
    const problem = (key: string, message: string) => context.addIssue({ code: 'custom', path: [key], message });
    if (settings.organizationReader && !settings.alertingAccountId)
      problem(
        'alertingAccountId',
        'required with organizationReader=true: the account of the alerting stack, which the reader role trusts',
      );
    for (const key of ['alertingAccountId', 'alertingRoleArn'] as const) {
      if (settings[key] && !settings.organizationReader) problem(key, 'applies only to organizationReader=true');
    }
    if (settings.alertingRoleArn && settings.alertingAccountId && settings.alertingRoleArn.split(':')[4] !== settings.alertingAccountId)
      problem('alertingRoleArn', 'must be a role of alertingAccountId');
  });

export type AppSettings = z.output<typeof appSchema>;

/** The app's own keys; watchManagementAccount needs mode=organization (the member stack sends to its central bus). */
export function appSettingsFromContext(tryGetContext: (key: string) => unknown, config: AlertsConfig): AppSettings {
  const values = contextValues(tryGetContext, APP_KEYS);
  const settings = parsed(appSchema, values, CONTEXT_SOURCE, APP_KEYS);
  if (settings.watchManagementAccount && config.mode !== 'organization') {
    throw new ConfigurationError(
      `Invalid ${CONTEXT_SOURCE}:\n  - "watchManagementAccount": applies only to mode=organization (got ${JSON.stringify(values.watchManagementAccount)})`,
    );
  }
  return settings;
}

function contextValues(tryGetContext: (key: string) => unknown, keys: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const key of keys) {
    const value = tryGetContext(key);
    if (value !== undefined && value !== '') values[key] = value;
  }
  return values;
}

/** One line per problem, naming the key, what is wrong and the value given. */
function parsed<T extends z.ZodType>(validator: T, input: unknown, source: string, knownKeys: readonly string[]): z.output<T> {
  const result = validator.safeParse(input ?? {});
  if (result.success) return result.data;
  const raw = (input ?? {}) as Record<string, unknown>;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown key(s) ${issue.keys.map((key) => `"${key}"`).join(', ')} (known: ${knownKeys.join(', ')})`;
    }
    const key = String(issue.path[0] ?? '');
    const where = issue.path.length > 1 ? `${key}[${issue.path.slice(1).join('.')}]` : key;
    if (issue.code === 'custom' && issue.params?.valueNamed === true) return `"${where}": ${issue.message}`;
    return `"${where}": ${issue.message} ${raw[key] === undefined ? '(not set)' : `(got ${JSON.stringify(raw[key])})`}`;
  });
  throw new ConfigurationError(`Invalid ${source}:\n  - ${problems.join('\n  - ')}`);
}
