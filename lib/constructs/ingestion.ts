import { Arn, ArnFormat, Aws, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { denialRulePatterns, WatchedServices } from './denial-patterns';
import { EncryptionKey } from './encryption-key';

/** An organization trail (IsOrganizationTrail): it logs every account of the organization, and the management account owns it. */
export interface OrganizationTrail {
  readonly organizationId: string;
  /** The trail's owner, named by the bucket and key policies (this stack's account when it runs in the management account). */
  readonly managementAccountId: string;
}

export interface IngestionProps {
  readonly createTrail: boolean;
  /** Make the trail an organization trail. @default - a trail of this account */
  readonly organizationTrail?: OrganizationTrail;
  readonly dataEventTables: '*' | readonly string[];
  readonly retentionDays: number;
  /** Visibility timeout of the queue: at least six times the consumer's timeout (AWS guidance for Lambda event sources). */
  readonly visibilityTimeout: Duration;
  readonly removalPolicy: RemovalPolicy;
}

/** Failed processing attempts before a message moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
const DEAD_LETTER_RETENTION = Duration.days(14);
/** EventBridge retries a failed delivery to the queue for up to a day before using the target's dead-letter queue. */
const TARGET_RETRY_ATTEMPTS = 185;
const TARGET_MAX_EVENT_AGE = Duration.hours(24);

/**
 * CloudTrail → EventBridge rules → SQS: the rules that catch denials, the encrypted queue the alert
 * Lambda reads, its dead-letter queues, and (optionally) the trail that makes data events visible.
 */
export class Ingestion extends Construct {
  readonly rules: events.Rule[] = [];
  readonly queue: sqs.Queue;
  /** Messages the Lambda failed to process MAX_RECEIVE_COUNT times. */
  readonly deadLetterQueue: sqs.Queue;
  /** Events EventBridge could not deliver to the queue. */
  readonly deliveryDeadLetterQueue: sqs.Queue;
  readonly queueKey: EncryptionKey;
  readonly trail?: cloudtrail.CfnTrail;
  readonly trailBucket?: s3.Bucket;
  /** Encrypts the trail's log files (SSE-KMS); kept with the bucket whatever removalPolicy says. */
  readonly trailKey?: EncryptionKey;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);

    this.queueKey = new EncryptionKey(this, 'QueueKey', {
      description: 'denyscope: encrypts the denial event queues',
      viaService: 'sqs',
      removalPolicy: props.removalPolicy,
    });
    const queueDefaults = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey.key,
      enforceSSL: true,
    };
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', { ...queueDefaults, retentionPeriod: DEAD_LETTER_RETENTION });
    this.deliveryDeadLetterQueue = new sqs.Queue(this, 'DeliveryDeadLetterQueue', {
      ...queueDefaults,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    Validations.of(this.deliveryDeadLetterQueue.node.defaultChild as sqs.CfnQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue: the EventBridge rule targets use it for events they could not deliver.',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueDefaults,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    if (props.createTrail) {
      // Named here so the bucket and key policies can require this trail (aws:SourceArn) without a circular reference.
      const trailName = `${Names.uniqueResourceName(this, { maxLength: 100 })}-Trail`;
      const trailOwner = props.organizationTrail?.managementAccountId ?? Aws.ACCOUNT_ID;
      const trailArn = Arn.format(
        {
          service: 'cloudtrail',
          resource: 'trail',
          resourceName: trailName,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          account: trailOwner,
        },
        Stack.of(this),
      );
      this.trailKey = this.createTrailKey(trailArn, trailOwner);
      this.trailBucket = this.createTrailBucket(props.retentionDays, this.trailKey, trailArn, props.organizationTrail);
      this.trail = this.createTrail(
        trailName,
        this.trailBucket,
        this.trailKey,
        props.dataEventTables,
        props.organizationTrail !== undefined,
      );
    }
  }

  /**
   * Creates the EventBridge rules for `services` on the default bus and, when given, on the organization's central
   * bus (the same patterns: forwarded events keep their CloudTrail record), leaving out denials of `ownRoleArn` (the
   * alert Lambda's role, created after the queue it reads). Called once.
   */
  routeDenials(services: WatchedServices, ownRoleArn: string, organizationBus?: events.IEventBus): events.Rule[] {
    if (this.rules.length > 0) throw new Error('Ingestion.routeDenials: the rules already exist');
    const target = new EncryptedQueueTarget(this.queue, this.deliveryDeadLetterQueue);
    // Rules are named here, not by CloudFormation: the key policy must name them without referencing
    // them (rule → queue → key → rule would be a circular dependency). Names are unique per bus.
    const namePrefix = Names.uniqueResourceName(this, { maxLength: 40 });
    const patterns = denialRulePatterns(services, ownRoleArn);
    const buses = [{ idPrefix: '', bus: undefined }, ...(organizationBus ? [{ idPrefix: 'OrganizationBus', bus: organizationBus }] : [])];
    const placements = buses.flatMap(({ idPrefix, bus }) =>
      patterns.map((pattern) => ({ ...pattern, constructId: `${idPrefix}${pattern.id}`, ruleName: `${namePrefix}-${pattern.id}`, bus })),
    );
    const ruleArns = placements.map(({ ruleName, bus }) =>
      Arn.format(
        {
          service: 'events',
          resource: 'rule',
          resourceName: bus ? `${bus.eventBusName}/${ruleName}` : ruleName,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        },
        Stack.of(this),
      ),
    );
    this.queueKey.allowServiceToEncrypt('events.amazonaws.com', { ArnEquals: { 'aws:SourceArn': ruleArns } });
    for (const { constructId, ruleName, bus, description, pattern } of placements) {
      const rule = new events.Rule(this, constructId, { ruleName, eventBus: bus, description, eventPattern: pattern, targets: [target] });
      // Read-only calls (Describe*, List*, Get*, KMS Decrypt) reach a rule only in this state, which the L2 Rule
      // cannot set. EventBridge documents the state for custom buses too; whether a forwarded read-only event needs
      // it is not documented, so the central bus's rules have it as well.
      (rule.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
      this.rules.push(rule);
    }
    return this.rules;
  }

  /**
   * The key policy CloudTrail documents for trails ("Configure AWS KMS key policies for CloudTrail"): CloudTrail
   * may generate data keys for this trail's log files only, describe the key, and decrypt (needed with an S3
   * Bucket Key); principals of this account read the logs through S3 when IAM allows them kms:Decrypt. The encryption
   * context names the trail owner's account: the management account for an organization trail.
   */
  private createTrailKey(trailArn: string, trailOwner: string): EncryptionKey {
    const trailKey = new EncryptionKey(this, 'TrailKey', {
      description: 'denyscope: encrypts the CloudTrail log files',
      viaService: 's3',
      actionsViaService: ['kms:Decrypt'],
      // The log files outlive the stack (the bucket is always kept): so must the key that decrypts them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const cloudTrail = 'cloudtrail.amazonaws.com';
    const fromThisTrail = { StringEquals: { 'aws:SourceArn': trailArn } };
    trailKey.allowService('AllowCloudTrailToEncryptLogs', cloudTrail, ['kms:GenerateDataKey*'], {
      ...fromThisTrail,
      StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${Aws.PARTITION}:cloudtrail:*:${trailOwner}:trail/*` },
    });
    trailKey.allowService('AllowCloudTrailToDescribeKey', cloudTrail, ['kms:DescribeKey'], fromThisTrail);
    trailKey.allowService('AllowCloudTrailToDecryptWithBucketKey', cloudTrail, ['kms:Decrypt'], fromThisTrail);
    return trailKey;
  }

  /**
   * CloudTrail writes under AWSLogs/ACCOUNT/ for its owner and, for an organization trail, under AWSLogs/o-ORG/ for
   * every account ("Create or update an Amazon S3 bucket to use to store the log files for an organization trail").
   */
  private createTrailBucket(
    retentionDays: number,
    trailKey: EncryptionKey,
    trailArn: string,
    organizationTrail?: OrganizationTrail,
  ): s3.Bucket {
    const bucket = new s3.Bucket(this, 'TrailBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: trailKey.key,
      // One data key per bucket instead of one KMS request per log file.
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ id: 'ExpireTrailLogs', expiration: Duration.days(retentionDays), noncurrentVersionExpiration: Duration.days(1) }],
      // Audit logs outlive the stack whatever removalPolicy says: delete the bucket by hand when no longer needed.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const cloudTrailService = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    const fromThisTrail = { 'aws:SourceArn': trailArn };
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailAclCheck',
        principals: [cloudTrailService],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: fromThisTrail },
      }),
    );
    const writeUnder = (sid: string, prefix: string) =>
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [cloudTrailService],
          actions: ['s3:PutObject'],
          resources: [bucket.arnForObjects(`AWSLogs/${prefix}/*`)],
          conditions: { StringEquals: { ...fromThisTrail, 's3:x-amz-acl': 'bucket-owner-full-control' } },
        }),
      );
    writeUnder('CloudTrailWrite', organizationTrail?.managementAccountId ?? Aws.ACCOUNT_ID);
    if (organizationTrail) writeUnder('CloudTrailOrganizationWrite', organizationTrail.organizationId);
    Validations.of(bucket.node.defaultChild as s3.CfnBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only CloudTrail writes to this bucket; changes to its policy and configuration are themselves CloudTrail management events. A server-access-log bucket would need a log bucket of its own.',
    });
    return bucket;
  }

  private createTrail(
    trailName: string,
    bucket: s3.Bucket,
    trailKey: EncryptionKey,
    dataEventTables: '*' | readonly string[],
    isOrganizationTrail: boolean,
  ): cloudtrail.CfnTrail {
    const tableArns = (tables: readonly string[]) =>
      tables.map((table) => `arn:${Aws.PARTITION}:dynamodb:${Aws.REGION}:${Aws.ACCOUNT_ID}:table/${table}`);
    const dataEvents = (resourceType: string, arnFilter?: cloudtrail.CfnTrail.AdvancedFieldSelectorProperty) => ({
      name: `DynamoDB data events (${resourceType})`,
      fieldSelectors: [
        { field: 'eventCategory', equalTo: ['Data'] },
        { field: 'resources.type', equalTo: [resourceType] },
        ...(arnFilter ? [arnFilter] : []),
      ],
    });
    // Item calls (GetItem, PutItem, Query, ...) and stream reads are data events: only logged when selected.
    const management = { name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }] };
    const advancedEventSelectors: cloudtrail.CfnTrail.AdvancedEventSelectorProperty[] =
      dataEventTables === '*'
        ? [management, dataEvents('AWS::DynamoDB::Table'), dataEvents('AWS::DynamoDB::Stream')]
        : isOrganizationTrail
          ? // A table of any account and Region, by name. Stream ARNs end with a time label, so streams cannot be
            // selected by table name across accounts (README: not logged).
            [
              management,
              dataEvents('AWS::DynamoDB::Table', { field: 'resources.ARN', endsWith: dataEventTables.map((table) => `:table/${table}`) }),
            ]
          : [
              management,
              dataEvents('AWS::DynamoDB::Table', { field: 'resources.ARN', equalTo: tableArns(dataEventTables) }),
              dataEvents('AWS::DynamoDB::Stream', {
                field: 'resources.ARN',
                startsWith: tableArns(dataEventTables).map((arn) => `${arn}/stream/`),
              }),
            ];
    const trail = new cloudtrail.CfnTrail(this, 'Trail', {
      trailName,
      isLogging: true,
      s3BucketName: bucket.bucketName,
      kmsKeyId: trailKey.key.keyArn,
      isMultiRegionTrail: true,
      // Left out of a trail of this account, so that its template stays as it was.
      isOrganizationTrail: isOrganizationTrail || undefined,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      advancedEventSelectors,
    });
    // CloudTrail checks that it may write to the bucket and use the key when the trail is created.
    trail.node.addDependency(bucket);
    return trail;
  }
}

/**
 * Sends rule matches to the KMS-encrypted queue. aws-events-targets' SqsQueue drops the aws:SourceArn
 * condition when the queue is encrypted and grants events.amazonaws.com the key account-wide; this
 * target lets only these rules send to the queue (the key statement is added by Ingestion).
 */
class EncryptedQueueTarget implements events.IRuleTarget {
  constructor(
    private readonly queue: sqs.IQueue,
    private readonly deadLetterQueue: sqs.IQueue,
  ) {}

  bind(rule: events.IRuleRef): events.RuleTargetConfig {
    const ruleArn = events.CfnRule.arnForRule(rule);
    for (const queue of [this.queue, this.deadLetterQueue]) {
      queue.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': ruleArn } },
        }),
      );
    }
    return {
      arn: this.queue.queueArn,
      targetResource: this.queue,
      deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      retryPolicy: { maximumRetryAttempts: TARGET_RETRY_ATTEMPTS, maximumEventAgeInSeconds: TARGET_MAX_EVENT_AGE.toSeconds() },
    };
  }
}
