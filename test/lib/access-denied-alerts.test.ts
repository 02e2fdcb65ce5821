import { Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HANDLER_ENV, METRICS_NAMESPACE, SERVICE_NAME } from '../../core/contract';
import { synthStack } from './stack-fixture';

const { stack, template } = synthStack({ alertEmails: ['oncall@example.com', 'sec@example.com'] });

/** Every IAM-style statement in the template: identity policies, roles and resource policies of keys, queues, topics, buckets. */
function allStatements(t: Template): Array<Record<string, unknown>> {
  const statements: Array<Record<string, unknown>> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (Array.isArray(record.Statement)) statements.push(...(record.Statement as Array<Record<string, unknown>>));
      Object.values(record).forEach(visit);
    }
  };
  visit(t.toJSON().Resources);
  return statements;
}
/** Fn::Join parts as CDK writes them: adjacent literal strings merged into one. */
const joinedParts = (parts: unknown[]): unknown[] =>
  parts.reduce<unknown[]>((merged, part) => {
    const last = merged[merged.length - 1];
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else merged.push(part);
    return merged;
  }, []);
const actionsOf = (statement: Record<string, unknown>): string[] =>
  ([] as string[]).concat((statement.Action ?? statement.NotAction ?? []) as string | string[]);

describe('ingestion', () => {
  it('sets every rule to receive read-only management events (CfnRule escape hatch)', () => {
    const rules = template.findResources('AWS::Events::Rule');
    expect(Object.keys(rules)).toHaveLength(3);
    for (const rule of Object.values(rules)) expect(rule.Properties.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });

  it("matches DynamoDB denials, KMS-caused ValidationExceptions and KMS denials on DynamoDB's behalf", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.dynamodb'],
        'detail-type': ['AWS API Call via CloudTrail', 'AWS Network Activity Event via CloudTrail'],
        detail: {
          errorCode: Match.arrayWith(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Client.UnauthorizedOperation']),
        },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.dynamodb'], detail: { errorCode: ['ValidationException'], errorMessage: [{ prefix: 'KMS' }] } },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.kms'],
        detail: {
          $or: [
            { userIdentity: { invokedBy: ['dynamodb.amazonaws.com'] } },
            { requestParameters: { encryptionContext: { 'aws:dynamodb:tableName': [{ exists: true }] } } },
          ],
        },
      },
    });
  });

  it('watches every AWS service with services "*" and leaves the KMS rule to the catch-all', () => {
    const all = synthStack({ services: '*' }).template;
    all.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: [{ prefix: 'aws.' }] } });
    expect(Object.keys(all.findResources('AWS::Events::Rule'))).toHaveLength(2);
  });

  it('targets the queue with a retry policy and a dead-letter queue of its own', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestionQueue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeliveryDeadLetterQueue'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
  });

  it('encrypts the queue with a CMK, redrives to a 14-day dead-letter queue after 5 receives, and times out visibility at 6x the function timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    // The denial queue, its two dead-letter queues, and the digest's dead-letter queue.
    expect(queues).toHaveLength(4);
    for (const queue of queues) expect(queue.Properties.KmsMasterKeyId).toBeDefined();
    const deadLetterQueues = queues.filter((queue) => !queue.Properties.RedrivePolicy);
    for (const queue of deadLetterQueues) expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('requires TLS on every queue and lets only the rules send to them', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('lets EventBridge use the queue key only for these rules (aws:SourceArn)', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { ArnEquals: { 'aws:SourceArn': Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.anyValue() })]) } },
          }),
        ]),
      },
    });
  });
});

describe('trail', () => {
  it('creates a multi-region trail with log-file validation and DynamoDB data events for every table by default', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
      IsLogging: true,
      AdvancedEventSelectors: Match.arrayWith([
        { Name: Match.anyValue(), FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
        {
          Name: Match.anyValue(),
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::DynamoDB::Table'] },
          ],
        },
        {
          Name: Match.anyValue(),
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::DynamoDB::Stream'] },
          ],
        },
      ]),
    });
  });

  it('limits data events to the named tables and their streams', () => {
    const limited = synthStack({ dataEventTables: ['orders', 'users'] }).template;
    limited.hasResourceProperties('AWS::CloudTrail::Trail', {
      AdvancedEventSelectors: Match.arrayWith([
        Match.objectLike({
          FieldSelectors: Match.arrayWith([
            { Field: 'resources.type', Equals: ['AWS::DynamoDB::Table'] },
            {
              Field: 'resources.ARN',
              Equals: [Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':table/orders'])] }), Match.anyValue()],
            },
          ]),
        }),
        Match.objectLike({
          FieldSelectors: Match.arrayWith([
            { Field: 'resources.type', Equals: ['AWS::DynamoDB::Stream'] },
            {
              Field: 'resources.ARN',
              StartsWith: [Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':table/orders/stream/'])] }), Match.anyValue()],
            },
          ]),
        }),
      ]),
    });
  });

  it('logs to a versioned, TLS-only bucket encrypted with the trail key (SSE-KMS, S3 Bucket Key), public access blocked, with a lifecycle rule', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestionTrailKey'), 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Action: 's3:GetBucketAcl', Condition: { StringEquals: { 'aws:SourceArn': Match.anyValue() } } }),
          Match.objectLike({
            Action: 's3:PutObject',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Condition: {
              StringEquals: {
                's3:x-amz-acl': 'bucket-owner-full-control',
                'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':trail/.+-Trail$')])] },
              },
            },
          }),
        ]),
      },
    });
  });

  it('encrypts the log files with the trail key (KMSKeyId)', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      KMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestionTrailKey'), 'Arn'] },
    });
  });

  // The statements CloudTrail documents for a trail's key ("Configure AWS KMS key policies for CloudTrail").
  it('lets CloudTrail generate data keys for this trail only, describe the key and decrypt with the bucket key', () => {
    const thisTrail = { 'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':trail/.+-Trail$')])] } };
    const cloudTrail = (action: string, condition: Record<string, unknown>) =>
      Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: action, Condition: condition });
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('CloudTrail log files'),
      KeyPolicy: {
        Statement: Match.arrayWith([
          // Principals of the account read the logs through S3, when IAM allows them.
          Match.objectLike({
            Action: 'kms:Decrypt',
            Principal: { AWS: Match.anyValue() },
            Condition: {
              StringEquals: Match.objectLike({ 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } }),
            },
          }),
          cloudTrail('kms:GenerateDataKey*', {
            StringEquals: thisTrail,
            StringLike: {
              'kms:EncryptionContext:aws:cloudtrail:arn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:*:', { Ref: 'AWS::AccountId' }, ':trail/*']],
              },
            },
          }),
          cloudTrail('kms:DescribeKey', { StringEquals: thisTrail }),
          cloudTrail('kms:Decrypt', { StringEquals: thisTrail }),
        ]),
      },
    });
  });

  it('keeps the trail key with the log files whatever removalPolicy says', () => {
    synthStack({ removalPolicy: 'destroy' }).template.hasResource('AWS::KMS::Key', {
      Properties: { Description: Match.stringLikeRegexp('CloudTrail log files') },
      DeletionPolicy: 'Retain',
    });
  });

  it('creates no trail, no bucket and no trail key with createTrail=false', () => {
    const noTrail = synthStack({ createTrail: false }).template;
    noTrail.resourceCountIs('AWS::CloudTrail::Trail', 0);
    noTrail.resourceCountIs('AWS::S3::Bucket', 0);
    noTrail.resourceCountIs('AWS::KMS::Key', 5);
  });
});

describe('incident store', () => {
  it('builds the table from the shared key schema, on demand, with PITR, TTL, deletion protection and a rotating CMK', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      // The README's table design: sparse GSIs holding incidents only, each sorted by lastSeen.
      GlobalSecondaryIndexes: [
        ['byTime', 'gsiMonth'],
        ['byCause', 'gsiCause'],
        ['byPrincipal', 'gsiPrincipal'],
        ['byTable', 'gsiTable'],
      ].map(([indexName, partitionKey]) => ({
        IndexName: indexName,
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: 'lastSeen', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
    const attributes = template.findResources('AWS::DynamoDB::Table');
    const definitions = Object.values(attributes)[0].Properties.AttributeDefinitions as Array<{ AttributeType: string }>;
    expect(definitions.every((definition) => definition.AttributeType === 'S')).toBe(true);
    template.templateMatches({
      Resources: { [Object.keys(attributes)[0]]: { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } },
    });
  });

  it('rotates every customer managed key (table, queues, topic, trail, webhook secret, log group) and keeps them by default', () => {
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    expect(keys).toHaveLength(6);
    for (const key of keys) {
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });

  it('drops deletion protection and retention with removalPolicy=destroy', () => {
    const disposable = synthStack({ removalPolicy: 'destroy' }).template;
    disposable.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    disposable.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    // Trail logs are audit evidence: the bucket is kept whatever removalPolicy says.
    disposable.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });
});

describe('notifications', () => {
  it("encrypts the topic, requires TLS, lets only this account's alarms publish, and subscribes every e-mail", () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('creates the Slack webhook secret empty, under the configured name', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'denyscope/slack-webhook',
      GenerateSecretString: Match.absent(),
      SecretString: Match.absent(),
    });
    synthStack({ slackWebhookSecretName: 'team/slack' }).template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'team/slack',
    });
  });

  it('uses an existing secret instead of creating one, and leaves its key and policy alone', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops/slack-AbCdEf';
    const existing = synthStack({ existingSlackWebhookSecretArn: arn }).template;
    existing.resourceCountIs('AWS::SecretsManager::Secret', 0);
    existing.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    existing.resourceCountIs('AWS::KMS::Key', 5);
    existing.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [HANDLER_ENV.slackWebhookSecretArn]: arn }) },
    });
  });

  it('encrypts the secret with a key of its own', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsSlackWebhookKey'), 'Arn'] },
    });
  });

  const lambdaRoleArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('ProcessingRole'), 'Arn'] };
  // The digest Lambda sends the daily digest to Slack too.
  const digestRoleArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('DigestRole'), 'Arn'] };
  const reader = 'arn:aws:iam::123456789012:role/oncall';
  const withReader = synthStack({ slackSecretReaderArns: [reader] }).template;

  // aws:PrincipalArn is a role session's role ARN (IAM User Guide, AWS global condition context keys): the Lambda's sessions are never denied.
  it("denies GetSecretValue to every principal but the Lambda's role and the named readers (aws:PrincipalArn)", () => {
    const denyAllBut = (readers: unknown[]) => ({
      ResourcePolicy: {
        Statement: [
          {
            Sid: Match.anyValue(),
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': readers } },
          },
        ],
      },
      SecretId: { Ref: Match.stringLikeRegexp('NotificationsSlackWebhook') },
    });
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', denyAllBut([lambdaRoleArn, digestRoleArn]));
    withReader.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', denyAllBut([lambdaRoleArn, digestRoleArn, reader]));
    synthStack({ digest: false }).template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', denyAllBut([lambdaRoleArn]));
  });

  it('lets the key decrypt the secret for those readers only, and key-access checks carry no secret', () => {
    const [secretKey] = Object.values(
      withReader.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('Slack webhook') } }),
    );
    const allowed = (secretKey.Properties.KeyPolicy.Statement as Array<Record<string, any>>).filter(
      (statement) => statement.Effect === 'Allow',
    );
    const decrypting = allowed.filter((statement) => actionsOf(statement).some((action) => action === 'kms:Decrypt' || action === 'kms:*'));
    expect(decrypting).toEqual([
      expect.objectContaining({
        Condition: expect.objectContaining({
          StringEquals: expect.objectContaining({ 'kms:EncryptionContext:SecretVersionId': 'RequestToValidateKeyAccess' }),
        }),
      }),
      expect.objectContaining({
        Condition: expect.objectContaining({
          ArnEquals: {
            'aws:PrincipalArn': [
              { 'Fn::GetAtt': [expect.stringMatching(/ProcessingRole/), 'Arn'] },
              { 'Fn::GetAtt': [expect.stringMatching(/DigestRole/), 'Arn'] },
              reader,
            ],
          },
        }),
      }),
    ]);
    for (const statement of decrypting) {
      expect(statement.Condition.StringEquals['kms:ViaService']).toEqual({
        'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
      });
      expect(statement.Condition.StringLike['kms:EncryptionContext:SecretARN']['Fn::Join'][1]).toContain(
        ':secret:denyscope/slack-webhook-??????',
      );
    }
  });

  it('leaves put-secret-value to IAM: the deny names GetSecretValue only, and the key lets the account generate data keys for this secret', () => {
    withReader.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'kms:GenerateDataKey',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
            Condition: Match.objectLike({
              StringLike: {
                'kms:EncryptionContext:SecretARN': { 'Fn::Join': ['', Match.arrayWith([':secret:denyscope/slack-webhook-??????'])] },
              },
            }),
          }),
        ]),
      },
    });
    const policies = Object.values(withReader.findResources('AWS::SecretsManager::ResourcePolicy'));
    expect(policies.flatMap((policy) => policy.Properties.ResourcePolicy.Statement).flatMap(actionsOf)).toEqual([
      'secretsmanager:GetSecretValue',
    ]);
  });
});

describe('processing', () => {
  it('runs the handler on Node.js 22, arm64, without tracing by default, reserved concurrency and the contract environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      TracingConfig: Match.absent(),
      ReservedConcurrentExecutions: 5,
      LoggingConfig: { LogGroup: Match.anyValue() },
      Environment: {
        Variables: {
          [HANDLER_ENV.incidentsTableName]: { Ref: Match.stringLikeRegexp('IncidentStoreTable') },
          [HANDLER_ENV.alertTopicArn]: { Ref: Match.stringLikeRegexp('NotificationsTopic') },
          [HANDLER_ENV.slackWebhookSecretArn]: { Ref: Match.stringLikeRegexp('NotificationsSlackWebhook') },
          [HANDLER_ENV.dedupWindowMinutes]: '60',
          [HANDLER_ENV.retentionDays]: '90',
          [HANDLER_ENV.deepDiagnosisTimeoutSeconds]: '4',
          [HANDLER_ENV.organizationReaderRoleArn]: Match.absent(),
          [HANDLER_ENV.tracing]: 'false',
          POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });

  it('traces with X-Ray, and hands the deep diagnosis settings to the handler, as configured', () => {
    const readerRole = 'arn:aws:iam::999988887777:role/denyscope-organization-reader';
    synthStack({ tracing: true, deepDiagnosisTimeoutSeconds: 9, organizationReaderRoleArn: readerRole }).template.hasResourceProperties(
      'AWS::Lambda::Function',
      {
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            [HANDLER_ENV.deepDiagnosisTimeoutSeconds]: '9',
            [HANDLER_ENV.organizationReaderRoleArn]: readerRole,
            [HANDLER_ENV.tracing]: 'true',
          }),
        },
      },
    );
    synthStack({ deepDiagnosis: false }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [HANDLER_ENV.deepDiagnosisTimeoutSeconds]: '0' }) },
    });
  });

  it('encrypts its log group with a key CloudWatch Logs may use for that log group only', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ProcessingLogKey'), 'Arn'] },
    });
    const [logGroup] = Object.values(template.findResources('AWS::Logs::LogGroup'));
    // The encryption context CloudWatch Logs sends is the log group's ARN, built from the name the log group has.
    const nameParts = logGroup.Properties.LogGroupName['Fn::Join'][1] as unknown[];
    const logGroupArn = {
      'Fn::Join': [
        '',
        joinedParts([
          'arn:',
          { Ref: 'AWS::Partition' },
          ':logs:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':log-group:',
          ...nameParts,
        ]),
      ],
    };
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Action: Match.arrayWith(['kms:Decrypt*', 'kms:Encrypt*', 'kms:GenerateDataKey*']),
            Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn } },
          }),
        ]),
      },
    });
  });

  it("names its log group after the stack's id, so a retained log group never collides with the next deployment's", () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }])] },
    });
  });

  it('reads the queue in batches with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestionQueue'), 'Arn'] },
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('grants exactly the table, topic, secret, queue and key actions, each on its own resource', () => {
    const statement = (sid: string, body: Record<string, unknown>) => Match.objectLike({ Sid: sid, Effect: 'Allow', ...body });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          // The actions themselves are checked against the code in lambda-permissions.test.ts; no index is reachable.
          statement('IncidentsTable', { Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('IncidentStoreTable'), 'Arn'] } }),
          statement('IncidentsTableKey', {
            Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
            Condition: {
              StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            },
          }),
          statement('AlertTopic', { Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('NotificationsTopic') } }),
          statement('AlertTopicKey', { Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
          statement('SlackWebhookSecret', {
            Action: 'secretsmanager:GetSecretValue',
            Resource: { Ref: Match.stringLikeRegexp('SlackWebhook') },
          }),
          statement('SlackWebhookSecretKey', {
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsSlackWebhookKey'), 'Arn'] },
            Condition: {
              StringEquals: {
                'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
                'kms:EncryptionContext:SecretARN': { Ref: Match.stringLikeRegexp('NotificationsSlackWebhook') },
              },
            },
          }),
          statement('DenialQueue', {
            Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestionQueue'), 'Arn'] },
          }),
          statement('DenialQueueKey', { Action: 'kms:Decrypt' }),
          statement('DescribeDeniedTables', { Action: 'dynamodb:DescribeTable' }),
          statement('DescribeTableKeys', { Action: 'kms:DescribeKey' }),
          statement('OwnLogGroup', { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
        ]),
      },
    });
  });

  it('scopes DescribeTable to the named tables when dataEventTables lists them', () => {
    const limited = synthStack({ dataEventTables: ['orders'] }).template;
    limited.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DescribeDeniedTables',
            Resource: { 'Fn::Join': ['', Match.arrayWith([':table/orders'])] },
          }),
        ]),
      },
    });
  });

  it('uses its own role with no AWS managed policy, and no statement anywhere allows "*" or "service:*"', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    const statements = allStatements(template);
    expect(statements.length).toBeGreaterThan(20);
    const isWildcard = (action: string) => action === '*' || action.endsWith(':*');
    const allowed = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allowed.flatMap(actionsOf).filter(isWildcard)).toEqual([]);
    // The only "service:*" statements are the TLS-only denies of enforceSSL.
    for (const statement of statements.filter((candidate) => actionsOf(candidate).some(isWildcard))) {
      expect(statement).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
  });
});

describe('monitoring and outputs', () => {
  it('alarms on the dead-letter queues, errors, throttles, notify failures and message age, notifying the topic', () => {
    // Monitoring's six, and the digest's two (test/lib/digest.test.ts).
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    const alarmsOn = (metricName: string) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('NotificationsTopic') }],
      });
    alarmsOn('ApproximateNumberOfMessagesVisible');
    alarmsOn('Errors');
    alarmsOn('Throttles');
    alarmsOn('ApproximateAgeOfOldestMessage');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: 'NotifyFailures',
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
    });
    const dlqAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(dlqAlarms).toHaveLength(3);
  });

  it('charts denials by cause with the service dimension Powertools adds', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Denials by cause', 'Alerts sent by cause', 'Repeats suppressed by cause', 'Errors', 'Queues']) {
      expect(body).toContain(title);
    }
    expect(body).toContain(
      `[\\"${METRICS_NAMESPACE}\\",\\"Denials\\",\\"cause\\",\\"kms-key-access\\",\\"service\\",\\"${SERVICE_NAME}\\"`,
    );
  });

  it('is environment-agnostic: synth needs no account, region or lookups', () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
  });

  it('outputs the table, topic, queues, secret and dashboard', () => {
    for (const output of [
      'IncidentsTableName',
      'AlertTopicArn',
      'QueueUrl',
      'DeadLetterQueueUrl',
      'DeliveryDeadLetterQueueUrl',
      'SlackWebhookSecretName',
      'DashboardUrl',
    ]) {
      template.hasOutput(output, { Value: Match.anyValue() });
    }
  });
});
