import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { iamActionOf, sdkCommandsSentFrom } from './sdk-commands';
import type { AccessDeniedAlertsProps } from '../../lib/access-denied-alerts';
import { synthStack } from './stack-fixture';

/**
 * What the role needs that no line of the Lambda's code sends: AWS uses these with the function's role, as each
 * service documents.
 */
const USED_BY_AWS_FOR_THE_FUNCTION: ReadonlyArray<{ readonly why: string; readonly actions: readonly string[] }> = [
  {
    why: 'Lambda polls the queue with the function role (Lambda Developer Guide, "Using Lambda with Amazon SQS", execution role permissions)',
    actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
  },
  {
    why: 'Lambda writes the function logs to its existing log group (Lambda Developer Guide, "Sending Lambda function logs to CloudWatch Logs")',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  },
  {
    why: 'DynamoDB uses the table key for the caller (DynamoDB Developer Guide, "How Amazon DynamoDB uses AWS KMS", authorizing use of your customer managed key)',
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'],
  },
  {
    why: 'SNS encrypts what the publisher publishes to a topic with a customer managed key (SNS Developer Guide, "Encryption at rest", publisher permissions)',
    actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
  },
  {
    why: 'SQS decrypts the messages of an encrypted queue for the consumer (SQS Developer Guide, "Encryption at rest", consumer permissions)',
    actions: ['kms:Decrypt'],
  },
  {
    why: 'Secrets Manager decrypts the secret value for GetSecretValue (Secrets Manager User Guide, "Secret encryption and decryption")',
    actions: ['kms:Decrypt'],
  },
];

/** With tracing=true: active tracing sends trace segments (Lambda Developer Guide, "Visualize Lambda function invocations using AWS X-Ray"). */
const ACTIVE_TRACING = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/**
 * What deep diagnosis sends without an SDK command: IAM Access Troubleshooter has no JavaScript client, so
 * lambdas/adapters/authorization-details.ts signs its REST calls itself (permissions as its API reference names them).
 */
const SIGNED_BY_HAND = ['iam:GetRequestAuthorizationDetails', 'iam:GetRequestAuthorizationPolicy'];

/** Organizations answers the management account only: deep diagnosis sends these with the organization reader role. */
const isOrganizationsAction = (action: string) => action.startsWith('organizations:');

/** Every action allowed to the role of a Lambda (the alert Lambda's, ProcessingRole, by default), by any policy attached to it. */
function lambdaRoleActions(alerts: AccessDeniedAlertsProps = {}, roleIdPrefix = 'AlertsProcessingRole'): string[] {
  const { template } = synthStack(alerts);
  const roleIds = Object.values(template.findResources('AWS::Lambda::Function'))
    .map((lambdaFunction) => lambdaFunction.Properties.Role['Fn::GetAtt'][0] as string)
    .filter((id) => id.startsWith(roleIdPrefix));
  expect(roleIds).toHaveLength(1);
  const [roleId] = roleIds;
  const role = template.findResources('AWS::IAM::Role')[roleId];
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  const inline = (role.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: unknown[] } }>;
  const attached = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleId })))
    .map((policy) => policy.Properties as { PolicyDocument: { Statement: unknown[] } });
  const statements = [...inline, ...attached].flatMap(
    (policy) => policy.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[] }>,
  );
  expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
  return statements.flatMap((statement) => ([] as string[]).concat(statement.Action));
}

/** The entries scripts/build-lambda.mjs bundles into the assets the stack deploys. */
const HANDLER_ENTRY = path.join(__dirname, '..', '..', 'lambdas', 'alert-handler.ts');
const DIGEST_HANDLER_ENTRY = path.join(__dirname, '..', '..', 'lambdas', 'digest-handler.ts');
/** The module deep diagnosis loads on first use: its reads are counted apart. */
const DEEP_DIAGNOSIS_ENTRY = path.join(__dirname, '..', '..', 'lambdas', 'deep-diagnosis-evidence.ts');
const READER_ROLE_ARN = 'arn:aws:iam::999988887777:role/denyscope-organization-reader';

const distinctSorted = (actions: Iterable<string>): string[] => [...new Set(actions)].sort();

describe('alert Lambda role', () => {
  const aws = USED_BY_AWS_FOR_THE_FUNCTION.flatMap((use) => use.actions);
  const withoutDeepDiagnosis = async () => (await sdkCommandsSentFrom(HANDLER_ENTRY, { leaveOut: DEEP_DIAGNOSIS_ENTRY })).map(iamActionOf);
  const withDeepDiagnosis = async () =>
    (await sdkCommandsSentFrom(HANDLER_ENTRY)).map(iamActionOf).filter((action) => !isOrganizationsAction(action));

  it('allows exactly the actions of the SDK commands the handler can send, plus what AWS documents for the function (the defaults: deep diagnosis on)', async () => {
    const sent = await withDeepDiagnosis();
    expect(sent).toEqual(expect.arrayContaining(['iam:GetRolePolicy', 'ec2:DescribeVpcEndpoints', 'kms:GetKeyPolicy']));
    expect(distinctSorted(lambdaRoleActions())).toEqual(distinctSorted([...sent, ...SIGNED_BY_HAND, ...aws]));
  });

  it('grants none of the reads of deep diagnosis when it is off', async () => {
    const sent = await withoutDeepDiagnosis();
    expect(sent.length).toBeGreaterThan(0);
    expect(sent).not.toContain('iam:GetRolePolicy');
    const expected = distinctSorted([...sent, ...aws]);
    expect(distinctSorted(lambdaRoleActions({ deepDiagnosis: false }))).toEqual(expected);
    expect(distinctSorted(lambdaRoleActions({ deepDiagnosisTimeoutSeconds: 0 }))).toEqual(expected);
  });

  it('may assume the organization reader role only when one is configured, and only that role', async () => {
    const sent = await withDeepDiagnosis();
    expect(distinctSorted(lambdaRoleActions({ organizationReaderRoleArn: READER_ROLE_ARN }))).toEqual(
      distinctSorted([...sent, ...SIGNED_BY_HAND, ...aws, 'sts:AssumeRole']),
    );
    const { template } = synthStack({ organizationReaderRoleArn: READER_ROLE_ARN });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sts:AssumeRole', Resource: READER_ROLE_ARN })]) },
    });
  });

  it('adds the X-Ray actions of active tracing with tracing=true', async () => {
    const sent = await withDeepDiagnosis();
    expect(distinctSorted(lambdaRoleActions({ tracing: true }))).toEqual(
      distinctSorted([...sent, ...SIGNED_BY_HAND, ...aws, ...ACTIVE_TRACING]),
    );
  });
});

describe('digest Lambda role', () => {
  /** Lambda sends a run that failed its retries to the on-failure destination with the function's role (Lambda Developer Guide, "Asynchronous invocation", destinations). */
  const ON_FAILURE_DESTINATION = ['sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt'];
  const aws = [
    ...ON_FAILURE_DESTINATION,
    ...USED_BY_AWS_FOR_THE_FUNCTION.filter((use) => !use.actions.some((action) => action.startsWith('sqs:'))).flatMap((use) => use.actions),
  ];

  it('allows exactly the actions of the SDK commands the digest handler can send, plus what AWS documents for the function', async () => {
    const sent = (await sdkCommandsSentFrom(DIGEST_HANDLER_ENTRY)).map(iamActionOf);
    expect(sent).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem', 'sns:Publish', 'secretsmanager:GetSecretValue']));
    expect(distinctSorted(lambdaRoleActions({}, 'AlertsDigestRole'))).toEqual(distinctSorted([...sent, ...aws]));
    const withEverything = lambdaRoleActions(
      { slackBotTokenSecretName: 'denyscope/slack-bot', slackChannel: 'C0ALERTS01', chatNotificationsTopic: true },
      'AlertsDigestRole',
    );
    expect(distinctSorted(withEverything)).toEqual(distinctSorted([...sent, ...aws]));
  });
});
