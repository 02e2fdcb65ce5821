import * as path from 'path';
import { Arn, ArnFormat, Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HANDLER_ENV, METRICS_NAMESPACE, SERVICE_NAME } from '@denyscope/core/contract';
import { ConfigurationError } from '../config';
import type { StandingMuteInput } from '@denyscope/core/incidents/mutes';
import { MUTE_PK } from '@denyscope/core/incidents/schema';
import { EncryptionKey, ServiceKey } from './encryption-key';
import type { OwnSecret, RouteChannels } from './notifications';

/**
 * The alert Lambda (lambdas/alert-handler.ts) as scripts/build-lambda.mjs bundles it into this package's assets/: built
 * when the package is packed, and before every synth and test in the repository, so synth never runs esbuild.
 */
export const ALERT_HANDLER_ASSET = path.join(path.dirname(require.resolve('@denyscope/cdk/package.json')), 'assets', 'alert-handler');
/** A batch of 25 denials diagnosed, stored and notified (Slack at about 1 message per second) fits well inside a minute. */
export const FUNCTION_TIMEOUT = Duration.seconds(60);
/** AWS guidance for SQS event sources: visibility timeout at least six times the function timeout. */
export const QUEUE_VISIBILITY_TIMEOUT = Duration.seconds(FUNCTION_TIMEOUT.toSeconds() * 6);
/**
 * Up to 25 messages or 5 seconds, whichever comes first: a burst of denials (a misconfigured role
 * retrying) arrives as one batch, so repeats are deduplicated in one invocation and the alert
 * goes out within seconds of the first one.
 */
export const BATCH_SIZE = 25;
export const MAX_BATCHING_WINDOW = Duration.seconds(5);

/**
 * The incident store's calls on the incidents table (lambdas/adapters/dynamodb-incident-store.ts): change this
 * list with the store. test/lib/lambda-permissions.test.ts derives the actions from the Lambda's code and fails
 * when they differ.
 */
const INCIDENTS_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'];

export interface ProcessingProps {
  readonly queue: sqs.IQueue;
  readonly queueKey: EncryptionKey;
  readonly table: dynamodb.ITable;
  readonly tableKey: ServiceKey;
  readonly topic: sns.ITopic;
  readonly topicKey: EncryptionKey;
  readonly slackWebhookSecret: secretsmanager.ISecret;
  /** The key of the webhook secret when the stack creates the secret (an existing secret's key is not the stack's). */
  readonly slackWebhookSecretKey?: EncryptionKey;
  /** Tables whose descriptions the Lambda may read to enrich an alert, or '*' for every table of this account and region. */
  readonly dataEventTables: '*' | readonly string[];
  readonly dedupWindowMinutes: number;
  readonly retentionDays: number;
  readonly acknowledgeHours: number;
  readonly autoResolveDays: number;
  readonly alertOnConsoleReads: boolean;
  /** Standing mutes (cdk.json `mutes`), validated by the configuration. */
  readonly mutes: readonly StandingMuteInput[];
  readonly logLevel: string;
  readonly reservedConcurrency: number;
  readonly removalPolicy: RemovalPolicy;
  /** The Slack app: its bot token secret and the channel ID alerts are posted to (instead of the webhook). */
  readonly slackBot?: { readonly tokenSecret: OwnSecret; readonly channel: string };
  readonly pagerDutyRoutingKeySecret?: OwnSecret;
  /** The Amazon Q Developer custom-notification topic (encrypted with topicKey). */
  readonly chatNotificationsTopic?: sns.ITopic;
  /** Alert routes: the Lambda gets them in its environment, and may publish to their topics and read their webhook secrets. */
  readonly routeChannels?: RouteChannels;
  /**
   * Deep diagnosis of each alert (evidence read from AWS, README "Deep diagnosis"), with its read permissions.
   * @default - off: the Lambda reads nothing from AWS for an alert, and none of those permissions is granted
   */
  readonly deepDiagnosis?: DeepDiagnosisSettings;
  /** AWS X-Ray active tracing, and Powertools Tracer on the SDK clients. @default false */
  readonly tracing?: boolean;
}

/**
 * What the routes may take of the Lambda's environment, which Lambda limits to 4 KB for all variables together; the
 * others (names and ARNs of the stack's resources) stay well inside the rest.
 */
export const ROUTES_ENV_LIMIT_BYTES = 3_072;

export interface DeepDiagnosisSettings {
  /** Whole seconds (above 0) an alert may wait for it. */
  readonly timeoutSeconds: number;
  /** The role in the organization's management account to read SCPs and RCPs through. @default - they are not read */
  readonly organizationReaderRoleArn?: string;
}

/**
 * The reads of deep diagnosis (lambdas/adapters/policy-sources, authorization-details.ts), by the resources they read;
 * test/lib/lambda-permissions.test.ts derives them from the Lambda's code and fails when they differ.
 */
const DEEP_DIAGNOSIS_READS = {
  roles: ['iam:GetRole', 'iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRoleTags'],
  users: [
    'iam:GetUser',
    'iam:ListUserPolicies',
    'iam:GetUserPolicy',
    'iam:ListAttachedUserPolicies',
    'iam:ListUserTags',
    'iam:ListGroupsForUser',
  ],
  groups: ['iam:ListGroupPolicies', 'iam:GetGroupPolicy', 'iam:ListAttachedGroupPolicies'],
  managedPolicies: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
  tables: ['dynamodb:GetResourcePolicy', 'dynamodb:ListTagsOfResource'],
  keys: ['kms:GetKeyPolicy', 'kms:ListGrants'],
  /** Neither names a resource AWS could scope it to: see acknowledgeDeepDiagnosis. */
  unscoped: ['ec2:DescribeVpcEndpoints', 'iam:GetRequestAuthorizationDetails', 'iam:GetRequestAuthorizationPolicy'],
} as const;

/** The alert Lambda (lambdas/alert-handler.ts), its encrypted log group, its least-privilege role and its SQS event source. */
export class Processing extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly logKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: ProcessingProps) {
    super(scope, id);
    this.logKey = new EncryptionKey(this, 'LogKey', {
      description: "denyscope: encrypts the alert Lambda's log group",
      viaService: 'logs',
      removalPolicy: props.removalPolicy,
    });
    // Named here: the key policy must name the log group, and the log group names the key. The stack's id makes
    // the name unique per deployment, so a log group kept by removalPolicy=retain never blocks the next one.
    const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    const logGroupName = `/aws/lambda/${Aws.STACK_NAME}-alert-handler-${stackUuid}`;
    this.logGroup = encryptedLogGroup(this, this.logKey, 'AllowCloudWatchLogs', logGroupName, props.removalPolicy);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'denyscope alert Lambda: reads the denial queue, writes incidents, notifies',
    });
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(ALERT_HANDLER_ASSET),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: FUNCTION_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.tracing ? { tracing: lambda.Tracing.ACTIVE } : {}),
      // Caps parallel writes to the table and parallel posts to the Slack webhook (about 1 message per second).
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        [HANDLER_ENV.incidentsTableName]: props.table.tableName,
        ...channelEnvironment(props),
        ...runtimeEnvironment(props.logLevel),
        [HANDLER_ENV.dedupWindowMinutes]: String(props.dedupWindowMinutes),
        [HANDLER_ENV.retentionDays]: String(props.retentionDays),
        [HANDLER_ENV.deepDiagnosisTimeoutSeconds]: String(props.deepDiagnosis?.timeoutSeconds ?? 0),
        ...(props.deepDiagnosis?.organizationReaderRoleArn
          ? { [HANDLER_ENV.organizationReaderRoleArn]: props.deepDiagnosis.organizationReaderRoleArn }
          : {}),
        [HANDLER_ENV.tracing]: String(props.tracing ?? false),
        [HANDLER_ENV.acknowledgeHours]: String(props.acknowledgeHours),
        [HANDLER_ENV.autoResolveDays]: String(props.autoResolveDays),
        [HANDLER_ENV.alertOnConsoleReads]: String(props.alertOnConsoleReads),
        [HANDLER_ENV.mutes]: JSON.stringify(props.mutes),
        ...(props.pagerDutyRoutingKeySecret
          ? { [HANDLER_ENV.pagerDutyRoutingKeySecretArn]: props.pagerDutyRoutingKeySecret.secret.secretArn }
          : {}),
      },
    });
    // ReportBatchItemFailures: only the failed messages of a batch are retried. Maximum concurrency
    // (not just reserved concurrency) keeps the poller from invoking into throttles, which would count
    // as receives and push healthy messages to the dead-letter queue.
    this.function.addEventSourceMapping('QueueSource', {
      eventSourceArn: props.queue.queueArn,
      batchSize: BATCH_SIZE,
      maxBatchingWindow: MAX_BATCHING_WINDOW,
      reportBatchItemFailures: true,
      maxConcurrency: props.reservedConcurrency,
    });
    this.writePolicy(props);
    if (props.deepDiagnosis) this.allowDeepDiagnosis(props, props.deepDiagnosis);
  }

  /**
   * Read-only, written out: the principals, groups and customer managed policies of this account and AWS managed
   * policies (IAM); the denied tables' resource policies and tags, as far as enrichment may describe them; the keys'
   * policies and grants; and, in a policy of their own, the reads AWS cannot scope. The Lambda's own denials stay out
   * of the rules (Ingestion leaves its role out), so a denied read cannot raise an alert that reads again.
   */
  private allowDeepDiagnosis(props: ProcessingProps, settings: DeepDiagnosisSettings): void {
    const stack = Stack.of(this);
    const iamArn = (resource: string, account: string = Aws.ACCOUNT_ID) =>
      Arn.format({ service: 'iam', region: '', account, resource, resourceName: '*' }, stack);
    const tables = props.dataEventTables === '*' ? ['*'] : props.dataEventTables;
    const scoped = new iam.Policy(this, 'DeepDiagnosisPolicy', {
      statements: [
        new iam.PolicyStatement({ sid: 'ReadRoles', actions: [...DEEP_DIAGNOSIS_READS.roles], resources: [iamArn('role')] }),
        new iam.PolicyStatement({ sid: 'ReadUsers', actions: [...DEEP_DIAGNOSIS_READS.users], resources: [iamArn('user')] }),
        new iam.PolicyStatement({ sid: 'ReadGroups', actions: [...DEEP_DIAGNOSIS_READS.groups], resources: [iamArn('group')] }),
        new iam.PolicyStatement({
          sid: 'ReadManagedPolicies',
          actions: [...DEEP_DIAGNOSIS_READS.managedPolicies],
          resources: [iamArn('policy'), iamArn('policy', 'aws')],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTablePolicies',
          actions: [...DEEP_DIAGNOSIS_READS.tables],
          resources: tables.flatMap((table) => [tableArn(stack, table), tableArn(stack, `${table}/stream/*`)]),
        }),
        new iam.PolicyStatement({
          sid: 'ReadKeyPolicies',
          actions: [...DEEP_DIAGNOSIS_READS.keys],
          resources: [Arn.format({ service: 'kms', resource: 'key', resourceName: '*' }, stack)],
        }),
        ...(settings.organizationReaderRoleArn
          ? [
              new iam.PolicyStatement({
                sid: 'AssumeOrganizationReader',
                actions: ['sts:AssumeRole'],
                resources: [settings.organizationReaderRoleArn],
              }),
            ]
          : []),
      ],
    });
    const unscoped = new iam.Policy(this, 'DeepDiagnosisUnscopedPolicy', {
      statements: [new iam.PolicyStatement({ sid: 'ReadUnscoped', actions: [...DEEP_DIAGNOSIS_READS.unscoped], resources: ['*'] })],
    });
    for (const policy of [scoped, unscoped]) this.role.attachInlinePolicy(policy);
    this.acknowledgeDeepDiagnosis(props, scoped.node.defaultChild as iam.CfnPolicy, unscoped.node.defaultChild as iam.CfnPolicy);
  }

  private acknowledgeDeepDiagnosis(props: ProcessingProps, scoped: iam.CfnPolicy, unscoped: iam.CfnPolicy): void {
    const acknowledge = (policy: iam.CfnPolicy, finding: string, reason: string) =>
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    const principals = 'whichever principal a denial names: they are not known at deploy time. Read-only, this account only.';
    acknowledge(
      scoped,
      'Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*',
      `Deep diagnosis reads the policies of ${principals}`,
    );
    acknowledge(
      scoped,
      'Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*',
      `Deep diagnosis reads the policies of ${principals}`,
    );
    acknowledge(
      scoped,
      'Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:group/*',
      `Deep diagnosis reads the group policies of ${principals}`,
    );
    acknowledge(
      scoped,
      'Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:policy/*',
      'Deep diagnosis reads the managed policies attached to a denied principal (default version): not known at deploy time. Read-only.',
    );
    acknowledge(
      scoped,
      'Resource::arn:<AWS::Partition>:iam::aws:policy/*',
      'Deep diagnosis reads the AWS managed policies attached to a denied principal (default version). Read-only.',
    );
    acknowledge(
      scoped,
      'Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*',
      'Deep diagnosis reads the key policy and grants of whichever table key a denial involves: not known at deploy time. Read-only.',
    );
    for (const table of props.dataEventTables === '*' ? ['*'] : props.dataEventTables) {
      if (table === '*')
        acknowledge(
          scoped,
          'Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/*',
          'Deep diagnosis reads the resource policy and tags of whichever table was denied; dataEventTables="*" watches every table.',
        );
      acknowledge(
        scoped,
        `Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/${table}/stream/*`,
        "Deep diagnosis reads the resource policy of a denied table's stream, whose ARN ends with its creation time.",
      );
    }
    Validations.of(unscoped).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ec2:DescribeVpcEndpoints supports no resource-level permissions (Service Authorization Reference); IAM Access Troubleshooter (preview) names no resource type for GetRequestAuthorizationDetails/Policy. Read-only.',
    });
  }

  private writePolicy(props: ProcessingProps): void {
    const stack = Stack.of(this);
    const statements = [
      // Item calls only, never through an index.
      new iam.PolicyStatement({ sid: 'IncidentsTable', actions: INCIDENTS_TABLE_ACTIONS, resources: [props.table.tableArn] }),
      mutesQuery(props.table),
      ...incidentsTableKeyStatements(props.tableKey),
      ...channelStatements(props),
      ...ownSecretReads('PagerDutyRoutingKey', props.pagerDutyRoutingKeySecret),
      // What Lambda's SQS event source needs of the function's role ("Using Lambda with Amazon SQS").
      new iam.PolicyStatement({
        sid: 'DenialQueue',
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [props.queue.queueArn],
      }),
      keyUseVia('DenialQueueKey', props.queueKey, ['kms:Decrypt']),
      // Enrichment: the denied table's key and encryption settings. Tables of other regions are out of
      // reach anyway: EventBridge rules only see their own region's events.
      new iam.PolicyStatement({
        sid: 'DescribeDeniedTables',
        actions: ['dynamodb:DescribeTable'],
        resources: props.dataEventTables === '*' ? [tableArn(stack, '*')] : props.dataEventTables.map((table) => tableArn(stack, table)),
      }),
      new iam.PolicyStatement({
        sid: 'DescribeTableKeys',
        actions: ['kms:DescribeKey'],
        resources: [Arn.format({ service: 'kms', resource: 'key', resourceName: '*' }, stack)],
      }),
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logStreamsArn(stack, this.logGroup.logGroupName)],
      }),
    ];
    const policy = new iam.Policy(this, 'Policy', { statements });
    this.role.attachInlinePolicy(policy);
    // Lambda checks the role's SQS permissions when it creates the event source mapping.
    this.function.node.addDependency(policy);
    this.acknowledgeWildcards(props, policy.node.defaultChild as iam.CfnPolicy);
  }

  private acknowledgeWildcards(props: ProcessingProps, policy: iam.CfnPolicy): void {
    const stack = Stack.of(this);
    const acknowledge = (scope: Construct, finding: string, reason: string) =>
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    acknowledge(
      policy,
      'Action::kms:ReEncrypt*',
      'DynamoDB needs kms:ReEncrypt* for the caller on the table key; limited by kms:ViaService to DynamoDB.',
    );
    acknowledge(
      policy,
      'Action::kms:GenerateDataKey*',
      'DynamoDB and SNS need kms:GenerateDataKey* on their own keys; limited by kms:ViaService.',
    );
    acknowledge(
      policy,
      'Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*',
      'kms:DescribeKey on the key of whichever table was denied: the keys are not known at deploy time. Read-only metadata.',
    );
    acknowledge(
      policy,
      `Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<${stack.getLogicalId(this.logGroup.node.defaultChild as logs.CfnLogGroup)}>:log-stream:*`,
      "Log streams of the function's own log group; Lambda names them at run time.",
    );
    if (props.dataEventTables === '*') {
      acknowledge(
        policy,
        'Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/*',
        'dynamodb:DescribeTable (read-only) on whichever table was denied; dataEventTables="*" watches every table. Give table names to narrow it.',
      );
    }
    if (props.tracing) {
      // Lambda adds xray:PutTraceSegments / PutTelemetryRecords for active tracing; X-Ray has no resource-level permissions.
      const tracingPolicy = this.role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
      Validations.of(tracingPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions (added by Lambda active tracing).',
      });
    }
    Validations.of(this.function.node.defaultChild as lambda.CfnFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the handler is built and tested for (esbuild target node22); upgrade together with the Lambda code.',
    });
  }
}

/**
 * A Lambda's log group, encrypted with `logKey`: CloudWatch Logs may use the key with its own service principal, for
 * this log group only ("Encrypt log data in CloudWatch Logs using AWS Key Management Service"; `sid` names that
 * statement of the key policy).
 */
export function encryptedLogGroup(
  scope: Construct,
  logKey: EncryptionKey,
  sid: string,
  logGroupName: string,
  removalPolicy: RemovalPolicy,
): logs.LogGroup {
  logKey.allowService(
    sid,
    `logs.${Aws.REGION}.amazonaws.com`,
    ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn(Stack.of(scope), logGroupName) } },
  );
  return new logs.LogGroup(scope, 'LogGroup', {
    logGroupName,
    encryptionKey: logKey.key,
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy,
  });
}

/** What Powertools and Node read in both Lambdas. */
export function runtimeEnvironment(logLevel: string): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: logLevel,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/** Where the channels are, as both Lambdas read them (lambdas/handler-config.ts). */
export function channelEnvironment(channels: ChannelAccess): Record<string, string> {
  return {
    [HANDLER_ENV.alertTopicArn]: channels.topic.topicArn,
    [HANDLER_ENV.slackWebhookSecretArn]: channels.slackWebhookSecret.secretArn,
    ...(channels.slackBot
      ? {
          [HANDLER_ENV.slackBotTokenSecretArn]: channels.slackBot.tokenSecret.secret.secretArn,
          [HANDLER_ENV.slackChannel]: channels.slackBot.channel,
        }
      : {}),
    ...(channels.chatNotificationsTopic ? { [HANDLER_ENV.chatNotificationsTopicArn]: channels.chatNotificationsTopic.topicArn } : {}),
    ...routesEnvironment(channels.routeChannels),
  };
}

/** What delivering to the stack's channels needs of a role: the alert Lambda's and the digest Lambda's alike. */
export interface ChannelAccess {
  readonly topic: sns.ITopic;
  readonly topicKey: EncryptionKey;
  readonly slackWebhookSecret: secretsmanager.ISecret;
  readonly slackWebhookSecretKey?: EncryptionKey;
  readonly slackBot?: { readonly tokenSecret: OwnSecret; readonly channel: string };
  readonly chatNotificationsTopic?: sns.ITopic;
  readonly routeChannels?: RouteChannels;
}

/** Publish to the alert topic (and the chat-notification and route topics), read the Slack secrets. */
export function channelStatements(channels: ChannelAccess): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'AlertTopic', actions: ['sns:Publish'], resources: [channels.topic.topicArn] }),
    keyUseVia('AlertTopicKey', channels.topicKey, ['kms:Decrypt', 'kms:GenerateDataKey*']),
    new iam.PolicyStatement({
      sid: 'SlackWebhookSecret',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [channels.slackWebhookSecret.secretArn],
    }),
    ...(channels.slackWebhookSecretKey
      ? [
          keyUseVia('SlackWebhookSecretKey', channels.slackWebhookSecretKey, ['kms:Decrypt'], {
            'kms:EncryptionContext:SecretARN': channels.slackWebhookSecret.secretArn,
          }),
        ]
      : []),
    ...ownSecretReads('SlackBotToken', channels.slackBot?.tokenSecret),
    ...(channels.chatNotificationsTopic
      ? [
          new iam.PolicyStatement({
            sid: 'ChatNotificationsTopic',
            actions: ['sns:Publish'],
            resources: [channels.chatNotificationsTopic.topicArn],
          }),
        ]
      : []),
    ...routeStatements(channels.routeChannels),
  ];
}

/** The mutes, all in one partition (core/incidents/schema.ts): no other partition of the table can be read in bulk. */
export function mutesQuery(table: dynamodb.ITable): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'IncidentsTableMutes',
    actions: ['dynamodb:Query'],
    resources: [table.tableArn],
    conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [MUTE_PK] } },
  });
}

/** What DynamoDB needs of a caller on the incidents table's key: its use through DynamoDB, and grants for DynamoDB. */
export function incidentsTableKeyStatements(tableKey: ServiceKey): iam.PolicyStatement[] {
  return [
    keyUseVia('IncidentsTableKey', tableKey, ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey']),
    // DynamoDB creates grants on the table key for the caller (AWS example key policy for DynamoDB).
    new iam.PolicyStatement({
      sid: 'IncidentsTableKeyGrants',
      actions: ['kms:CreateGrant'],
      resources: [tableKey.key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': tableKey.viaService },
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }),
  ];
}

// --- Alert routes (core/incidents/routes.ts): the routes in the environment, and the route channels' permissions.

/** The routes as the Lambdas read them (HANDLER_ENV.alertRoutes); their size is checked here, at synth. */
export function routesEnvironment(routeChannels: RouteChannels | undefined): Record<string, string> {
  if (routeChannels === undefined) return {};
  const value = JSON.stringify(routeChannels.routing);
  const bytes = Buffer.byteLength(HANDLER_ENV.alertRoutes) + Buffer.byteLength(value);
  if (bytes > ROUTES_ENV_LIMIT_BYTES) {
    throw new ConfigurationError(
      `Invalid routes: they take ${bytes} bytes of the alert Lambda's environment (${HANDLER_ENV.alertRoutes}), more than the ${ROUTES_ENV_LIMIT_BYTES} they may use (Lambda allows 4 KB for all variables): list fewer accounts (match OUs instead), merge routes, or shorten names`,
    );
  }
  return { [HANDLER_ENV.alertRoutes]: value };
}

/** Publish to the route topics (their key is the alert topic's, already usable through SNS), read the route webhook secrets. */
export function routeStatements(routeChannels: RouteChannels | undefined): iam.PolicyStatement[] {
  if (routeChannels === undefined) return [];
  const { topics, webhookSecrets } = routeChannels;
  return [
    ...(topics.length > 0
      ? [new iam.PolicyStatement({ sid: 'RouteTopics', actions: ['sns:Publish'], resources: topics.map((topic) => topic.topicArn) })]
      : []),
    ...webhookSecrets.flatMap((secret, index) => ownSecretReads(`RouteWebhook${index}`, secret)),
  ];
}

// --- End of alert routes.

/** Reading a secret the stack created: its value, and its key only through Secrets Manager for that secret. */
export function ownSecretReads(sid: string, own: OwnSecret | undefined): iam.PolicyStatement[] {
  if (own === undefined) return [];
  return [
    new iam.PolicyStatement({ sid: `${sid}Secret`, actions: ['secretsmanager:GetSecretValue'], resources: [own.secret.secretArn] }),
    keyUseVia(`${sid}SecretKey`, own.key, ['kms:Decrypt'], { 'kms:EncryptionContext:SecretARN': own.secret.secretArn }),
  ];
}

/** The key permissions a service needs for this Lambda, only through that service (kms:ViaService) and, if given, for that encryption context. */
export function keyUseVia(
  sid: string,
  key: ServiceKey,
  actions: string[],
  encryptionContext: Record<string, string | string[]> = {},
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions,
    resources: [key.key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': key.viaService, ...encryptionContext } },
  });
}

export function logGroupArn(stack: Stack, logGroupName: string): string {
  return Arn.format(
    { service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
    stack,
  );
}

export function logStreamsArn(stack: Stack, logGroupName: string): string {
  return `${logGroupArn(stack, logGroupName)}:log-stream:*`;
}

function tableArn(stack: Stack, table: string): string {
  return Arn.format(
    { service: 'dynamodb', resource: 'table', resourceName: table, arnFormat: ArnFormat.SLASH_RESOURCE_NAME, partition: Aws.PARTITION },
    stack,
  );
}
