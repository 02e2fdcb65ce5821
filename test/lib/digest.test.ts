import { Match, Template } from 'aws-cdk-lib/assertions';
import { HANDLER_ENV, METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../core/contract';
import { synthStack } from './stack-fixture';

const digestFunction = { 'Fn::GetAtt': [Match.stringLikeRegexp('DigestFunction'), 'Arn'] };
const digestQueue = { 'Fn::GetAtt': [Match.stringLikeRegexp('DigestDeadLetterQueue'), 'Arn'] };

/** The statements of the policies attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(template: Template, rolePrefix: string): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref.startsWith(rolePrefix)))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
}

describe('the daily digest', () => {
  const { template } = synthStack();

  it('runs every day at digestTime UTC (default 09:00), exactly then, with the scheduled time as input', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: digestFunction,
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DigestSchedulerRole'), 'Arn'] },
        // Scheduler's context attribute ("Adding context attributes"): a retried run reports the scheduled day.
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 6 * 3600 },
        DeadLetterConfig: { Arn: digestQueue },
      },
    });
    synthStack({ digestTime: '23:05' }).template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(5 23 * * ? *)',
    });
    synthStack({ digestTime: '00:00' }).template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 0 * * ? *)',
    });
  });

  it('with digest=false has no schedule, no digest Lambda, no digest queue, role or alarm', () => {
    const off = synthStack({ digest: false }).template;
    off.resourceCountIs('AWS::Scheduler::Schedule', 0);
    off.resourceCountIs('AWS::Lambda::Function', 1);
    off.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
    off.resourceCountIs('AWS::SQS::Queue', 3);
    off.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    expect(Object.keys(off.findResources('AWS::IAM::Role')).filter((id) => id.includes('Digest'))).toEqual([]);
    expect(Object.keys(off.findOutputs('DigestDeadLetterQueueUrl'))).toEqual([]);
  });

  it('runs the digest Lambda on Node.js 22, arm64, one at a time, with the store, channel and mute settings of the alert Lambda', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 300,
      ReservedConcurrentExecutions: 1,
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('DigestRole'), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('DigestLogGroup') } },
      Environment: {
        Variables: Match.objectLike({
          [HANDLER_ENV.incidentsTableName]: { Ref: Match.stringLikeRegexp('IncidentStoreTable') },
          [HANDLER_ENV.alertTopicArn]: { Ref: Match.stringLikeRegexp('NotificationsTopic') },
          [HANDLER_ENV.slackWebhookSecretArn]: { Ref: Match.stringLikeRegexp('NotificationsSlackWebhook') },
          [HANDLER_ENV.autoResolveDays]: '14',
          [HANDLER_ENV.mutes]: '[]',
          [HANDLER_ENV.alertRoutes]: Match.absent(),
          [HANDLER_ENV.dedupWindowMinutes]: Match.absent(),
        }),
      },
    });
    const mutes = [{ action: 'dynamodb:Scan', until: 'never', reason: 'nightly export' }];
    synthStack({ autoResolveDays: 7, mutes }).template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('DigestRole'), 'Arn'] },
      Environment: { Variables: Match.objectLike({ [HANDLER_ENV.autoResolveDays]: '7', [HANDLER_ENV.mutes]: JSON.stringify(mutes) }) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 90,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ProcessingLogKey'), 'Arn'] },
      LogGroupName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('-digest-')])] },
    });
  });

  it('alarms when a channel did not take its digest (the metric the digest Lambda emits)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.digestDeliveryFailures,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('NotificationsTopic') }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('DigestRole'), 'Arn'] },
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME: SERVICE_NAME }),
      },
    });
  });

  it("retries a failed run twice, then keeps it in the digest's dead-letter queue: KMS, TLS only, 14 days, alarmed", () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('DigestFunction') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: digestQueue } },
    });
    const [queueId] = Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) => id.includes('DigestDeadLetterQueue'));
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestionQueueKey'), 'Arn'] },
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('NotificationsTopic') }],
    });
    template.hasOutput('DigestDeadLetterQueueUrl', { Value: { Ref: queueId } });
  });

  it("lets only this account's EventBridge Scheduler assume the schedule's role, which may only invoke the digest function and use its queue", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: {
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([':schedule-group/default'])] },
              },
            },
          },
        ],
      },
    });
    expect(roleStatements(template, 'AlertsDigestSchedulerRole')).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/DigestFunction/), 'Arn'] },
      }),
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/DigestDeadLetterQueue/), 'Arn'] },
      }),
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/IngestionQueueKey/), 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sqs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      }),
    ]);
  });

  it("reads incidents through the byCause index and the MUTE partition only, never by Scan, and writes only the incidents' items", () => {
    const statements = roleStatements(template, 'AlertsDigestRole');
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);
    const table = { 'Fn::GetAtt': [expect.stringMatching(/IncidentStoreTable/), 'Arn'] };
    expect(bySid('IncidentsByCause')).toMatchObject({
      Action: 'dynamodb:Query',
      Resource: { 'Fn::Join': ['', [table, '/index/byCause']] },
    });
    expect(bySid('IncidentsTableMutes')).toMatchObject({
      Action: 'dynamodb:Query',
      Resource: table,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['MUTE'] } },
    });
    expect(bySid('IncidentsTable')).toMatchObject({ Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: table });
    expect(JSON.stringify(statements)).not.toContain('dynamodb:Scan');
  });

  it("publishes to each route's topic and reads each route's webhook secret, with the routes in its environment", () => {
    const routed = synthStack({
      routes: {
        channels: { security: { type: 'sns', emails: [] }, 'team-a': { type: 'slack', secretName: 'denyscope/slack-team-a' } },
        routes: [
          { name: 'scp', match: { causes: ['service-control-policy'] }, channels: ['security'] },
          { name: 'rest', default: true, channels: ['team-a', 'sns'] },
        ],
      },
    }).template;
    routed.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('DigestRole'), 'Arn'] },
      Environment: {
        Variables: Match.objectLike({ [HANDLER_ENV.alertRoutes]: Match.stringLikeRegexp('"topicName":"Denyscope-security"') }),
      },
    });
    const statements = roleStatements(routed, 'AlertsDigestRole');
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Sid: 'RouteTopics', Action: 'sns:Publish' }),
        expect.objectContaining({ Sid: 'RouteWebhook0Secret', Action: 'secretsmanager:GetSecretValue' }),
      ]),
    );
  });

  it("lets CloudWatch Logs use the log key for the digest's log group only", () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchLogsForDigest',
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Condition: {
              ArnEquals: {
                'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('-digest-')])] },
              },
            },
          }),
        ]),
      },
    });
  });
});
