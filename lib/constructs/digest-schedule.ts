import * as path from 'path';
import { Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HANDLER_ENV, METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '@denyscope/core/contract';
import type { StandingMuteInput } from '@denyscope/core/incidents/mutes';
import { GSI_BY_CAUSE } from '@denyscope/core/incidents/schema';
import { EncryptionKey, ServiceKey } from './encryption-key';
import { alarmOnAtLeastOne } from './monitoring';
import type { OwnSecret, RouteChannels } from './notifications';
import {
  channelEnvironment,
  channelStatements,
  encryptedLogGroup,
  incidentsTableKeyStatements,
  keyUseVia,
  logStreamsArn,
  mutesQuery,
  runtimeEnvironment,
} from './processing';

/** The digest Lambda (lambdas/digest-handler.ts) as scripts/build-lambda.mjs bundles it, beside the alert Lambda's asset. */
export const DIGEST_HANDLER_ASSET = path.join(path.dirname(require.resolve('@denyscope/cdk/package.json')), 'assets', 'digest-handler');
/**
 * Reading every incident, one conditional write per idle incident, and a message per route and channel (Slack posts a
 * second apart per channel, with Retry-After waits inside the time left) fit well inside it.
 */
export const DIGEST_FUNCTION_TIMEOUT = Duration.minutes(5);
/** Lambda retries a failed asynchronous run twice (its maximum), then sends the event to the dead-letter queue. */
export const DIGEST_RETRY_ATTEMPTS = 2;
/** A digest this late is kept in the dead-letter queue rather than sent: the next day's is due soon enough. */
export const DIGEST_MAX_EVENT_AGE = Duration.hours(6);
/** EventBridge Scheduler retries an invocation Lambda refused (throttled, not permitted) within DIGEST_MAX_EVENT_AGE. */
export const SCHEDULER_RETRY_ATTEMPTS = 10;
const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * The digest run's calls on the incidents table (lambdas/wiring.ts createDigestRunDeps: the reader's Query of the byCause
 * index, the mute reader's Query of the MUTE partition, the store's UpdateItem for resolveIdle; GetItem is in the store's
 * code though the run never reads one item). test/lib/lambda-permissions.test.ts derives them from the code.
 */
const TABLE_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'];

export interface DigestScheduleProps {
  /** HH:MM, UTC (validated by the configuration). */
  readonly digestTime: string;
  readonly table: dynamodb.ITable;
  readonly tableKey: ServiceKey;
  readonly topic: sns.ITopic;
  readonly topicKey: EncryptionKey;
  readonly slackWebhookSecret: secretsmanager.ISecret;
  /** The key of the webhook secret when the stack creates the secret. */
  readonly slackWebhookSecretKey?: EncryptionKey;
  readonly slackBot?: { readonly tokenSecret: OwnSecret; readonly channel: string };
  readonly chatNotificationsTopic?: sns.ITopic;
  readonly routeChannels?: RouteChannels;
  readonly retentionDays: number;
  readonly autoResolveDays: number;
  readonly mutes: readonly StandingMuteInput[];
  readonly logLevel: string;
  /** Encrypts the dead-letter queue: the stack's queue key (SQS uses it for this account's principals). */
  readonly queueKey: EncryptionKey;
  /** Encrypts the log group: the stack's log key (CloudWatch Logs may use it for this log group too). */
  readonly logKey: EncryptionKey;
  /** Where the alarm on the dead-letter queue goes. */
  readonly alarmTopic: sns.ITopic;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The daily digest: an EventBridge Scheduler schedule invoking the digest Lambda at digestTime UTC, with the schedule's
 * retry policy, and Lambda's own retries of the asynchronous run; a run that still fails is kept in one dead-letter
 * queue (both the schedule's and the function's failures go there), and an alarm says so.
 */
export class DigestSchedule extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly schedule: scheduler.Schedule;
  readonly schedulerRole: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;
  /** A run kept in the dead-letter queue; a channel that did not take its digest. */
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: DigestScheduleProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.queueKey.key,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    Validations.of(this.deadLetterQueue.node.defaultChild as sqs.CfnQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue: the digest schedule and the digest Lambda keep the runs that failed in it.',
    });

    // Named like the alert Lambda's (the stack's id makes it unique per deployment), so the log key's policy can name it.
    const logGroupName = `/aws/lambda/${Aws.STACK_NAME}-digest-${Fn.select(2, Fn.split('/', Aws.STACK_ID))}`;
    this.logGroup = encryptedLogGroup(this, props.logKey, 'AllowCloudWatchLogsForDigest', logGroupName, props.removalPolicy);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'denyscope digest Lambda: reads incidents and mutes, resolves idle incidents, sends the daily digest',
    });
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(DIGEST_HANDLER_ASSET),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      // Every incident is read into memory once a day: room for a large table.
      memorySize: 1024,
      timeout: DIGEST_FUNCTION_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      // One run at a time: a second invocation (by hand, or a retry) waits, so no digest is sent twice at once.
      reservedConcurrentExecutions: 1,
      retryAttempts: DIGEST_RETRY_ATTEMPTS,
      maxEventAge: DIGEST_MAX_EVENT_AGE,
      onFailure: new QueueDestinationWithoutGrant(this.deadLetterQueue),
      environment: {
        [HANDLER_ENV.incidentsTableName]: props.table.tableName,
        ...channelEnvironment(props),
        ...runtimeEnvironment(props.logLevel),
        [HANDLER_ENV.retentionDays]: String(props.retentionDays),
        [HANDLER_ENV.autoResolveDays]: String(props.autoResolveDays),
        [HANDLER_ENV.mutes]: JSON.stringify(props.mutes),
      },
    });
    this.writeFunctionPolicy(props);

    const { role: schedulerRole, policy: schedulerPolicy } = this.createSchedulerRole(props.queueKey);
    this.schedulerRole = schedulerRole;
    const [hour, minute] = props.digestTime.split(':');
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `denyscope daily digest at ${props.digestTime} UTC`,
      // Day-of-month and day-of-week cannot both be given: Scheduler's cron takes "?" for one (CDK writes it).
      schedule: scheduler.ScheduleExpression.cron({ minute: String(Number(minute)), hour: String(Number(hour)) }),
      target: new DigestInvocation(this.function, this.schedulerRole, this.deadLetterQueue),
      timeWindow: scheduler.TimeWindow.off(),
    });
    // The role may invoke the function before the schedule first runs.
    this.schedule.node.addDependency(schedulerPolicy);

    const atLeastOne = (alarmId: string, description: string, metric: cloudwatch.IMetric) =>
      alarmOnAtLeastOne(this, alarmId, description, metric);
    const period = Duration.minutes(5);
    this.alarms = [
      atLeastOne(
        'DeadLetterQueueNotEmpty',
        'A daily digest run failed after its retries and waits in the digest dead-letter queue (see the digest Lambda log group); invoke the digest Lambda again once fixed.',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      ),
      atLeastOne(
        'DeliveryFailures',
        'A channel did not take its daily digest while others did (the digest Lambda log group says which and why: "Digest not delivered").',
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRIC.digestDeliveryFailures,
          dimensionsMap: { service: SERVICE_NAME },
          statistic: 'Sum',
          period,
        }),
      ),
    ];
    const notify = new actions.SnsAction(props.alarmTopic);
    for (const alarm of this.alarms) alarm.addAlarmAction(notify);
  }

  /** Exactly what the digest run sends, and what Lambda sends with the role (logs, the failed run to the dead-letter queue). */
  private writeFunctionPolicy(props: DigestScheduleProps): void {
    const stack = Stack.of(this);
    const policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({ sid: 'IncidentsTable', actions: TABLE_ITEM_ACTIONS, resources: [props.table.tableArn] }),
        // Every incident, through the byCause index (one partition per cause; no Scan).
        new iam.PolicyStatement({
          sid: 'IncidentsByCause',
          actions: ['dynamodb:Query'],
          resources: [`${props.table.tableArn}/index/${GSI_BY_CAUSE.indexName}`],
        }),
        mutesQuery(props.table),
        ...incidentsTableKeyStatements(props.tableKey),
        ...channelStatements(props),
        // Lambda sends a run that failed its retries to the on-failure destination with the function's role.
        ...deadLetterStatements(this.deadLetterQueue, props.queueKey),
        new iam.PolicyStatement({
          sid: 'OwnLogGroup',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logStreamsArn(stack, this.logGroup.logGroupName)],
        }),
      ],
    });
    this.role.attachInlinePolicy(policy);
    // Lambda checks that the role may send to the destination when the invoke configuration is created.
    this.function.node.addDependency(policy);
    const cfnPolicy = policy.node.defaultChild as iam.CfnPolicy;
    const acknowledge = (finding: string, reason: string) =>
      Validations.of(cfnPolicy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    acknowledge(
      'Action::kms:ReEncrypt*',
      'DynamoDB needs kms:ReEncrypt* for the caller on the table key; limited by kms:ViaService to DynamoDB.',
    );
    acknowledge('Action::kms:GenerateDataKey*', 'DynamoDB and SNS need kms:GenerateDataKey* on their own keys; limited by kms:ViaService.');
    acknowledge(
      `Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<${stack.getLogicalId(this.logGroup.node.defaultChild as logs.CfnLogGroup)}>:log-stream:*`,
      "Log streams of the function's own log group; Lambda names them at run time.",
    );
    Validations.of(this.function.node.defaultChild as lambda.CfnFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the handler is built and tested for (esbuild target node22); upgrade together with the Lambda code.',
    });
  }

  /**
   * The schedule's execution role: EventBridge Scheduler of this account's default schedule group may assume it
   * (confused-deputy conditions as the Scheduler guide recommends), and it may only invoke the digest function and keep
   * a failed invocation in the dead-letter queue.
   */
  private createSchedulerRole(queueKey: EncryptionKey): { role: iam.Role; policy: iam.Policy } {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: {
          'aws:SourceAccount': Aws.ACCOUNT_ID,
          'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
        },
      }),
      description: 'denyscope digest schedule: invokes the digest Lambda, keeps failed invocations in its dead-letter queue',
    });
    const policy = new iam.Policy(this, 'SchedulerPolicy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeDigestFunction',
          actions: ['lambda:InvokeFunction'],
          resources: [this.function.functionArn],
        }),
        ...deadLetterStatements(this.deadLetterQueue, queueKey),
      ],
    });
    role.attachInlinePolicy(policy);
    return { role, policy };
  }
}

/** Sending to the encrypted dead-letter queue: SendMessage, and the queue key through SQS (SQS producer permissions). */
function deadLetterStatements(queue: sqs.IQueue, queueKey: EncryptionKey): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'DigestDeadLetterQueue', actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    keyUseVia('DigestDeadLetterQueueKey', queueKey, ['kms:GenerateDataKey', 'kms:Decrypt']),
  ];
}

/**
 * The schedule's target, written out rather than aws-scheduler-targets' LambdaInvoke, which grants the role the
 * function's versions and aliases too (`ARN:*`) and the queue through a policy of its own: here the role's policy is
 * the one above. The input carries the scheduled time, so a retried or redriven run reports the same period.
 */
class DigestInvocation implements scheduler.IScheduleTarget {
  constructor(
    private readonly digestFunction: lambda.IFunction,
    private readonly role: iam.IRole,
    private readonly deadLetterQueue: sqs.IQueue,
  ) {}

  bind(): scheduler.ScheduleTargetConfig {
    return {
      arn: this.digestFunction.functionArn,
      role: this.role,
      input: scheduler.ScheduleTargetInput.fromObject({ scheduledTime: scheduler.ContextAttribute.scheduledTime }),
      retryPolicy: { maximumRetryAttempts: SCHEDULER_RETRY_ATTEMPTS, maximumEventAgeInSeconds: DIGEST_MAX_EVENT_AGE.toSeconds() },
      deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
    };
  }
}

/**
 * The function's on-failure destination, without the grant aws-lambda-destinations' SqsDestination adds (SendMessage
 * and the key's use on every path): the function's policy above writes it out.
 */
class QueueDestinationWithoutGrant implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(): lambda.DestinationConfig {
    return { destination: this.queue.queueArn };
  }
}
