import path from 'node:path';
import { iamActionOf, sdkCommandsSentFrom } from './sdk-commands';
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
    why: 'active tracing sends trace segments (Lambda Developer Guide, "Visualize Lambda function invocations using AWS X-Ray")',
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
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

/** Every action allowed to the alert Lambda's role, by any policy attached to it. */
function lambdaRoleActions(): string[] {
  const { template } = synthStack();
  const [lambdaFunction] = Object.values(template.findResources('AWS::Lambda::Function'));
  const roleId = lambdaFunction.Properties.Role['Fn::GetAtt'][0] as string;
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

/** The entry scripts/build-lambda.mjs bundles into the asset the stack deploys. */
const HANDLER_ENTRY = path.join(__dirname, '..', '..', 'lambdas', 'alert-handler.ts');

const distinctSorted = (actions: Iterable<string>): string[] => [...new Set(actions)].sort();

describe('alert Lambda role', () => {
  it('allows exactly the actions of the SDK commands the handler can send, plus what AWS documents for the function', async () => {
    const sent = (await sdkCommandsSentFrom(HANDLER_ENTRY)).map(iamActionOf);
    expect(sent.length).toBeGreaterThan(0);
    const expected = distinctSorted([...sent, ...USED_BY_AWS_FOR_THE_FUNCTION.flatMap((use) => use.actions)]);
    expect(distinctSorted(lambdaRoleActions())).toEqual(expected);
  });
});
