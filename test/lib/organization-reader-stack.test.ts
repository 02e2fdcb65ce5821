import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrganizationReaderStack } from '../../lib/organization-reader-stack';
import { iamActionOf, sdkCommandsSentFrom } from './sdk-commands';
import { cdkJsonContext } from './stack-fixture';

const ALERTING_ACCOUNT = '123456789012';
const LAMBDA_ROLE = `arn:aws:iam::${ALERTING_ACCOUNT}:role/Denyscope-ProcessingRole1234-ABCDEF`;
/** The module of the alert Lambda that reads Organizations (through the reader role). */
const DEEP_DIAGNOSIS_ENTRY = path.join(__dirname, '..', '..', 'lambdas', 'deep-diagnosis-evidence.ts');

function build(alertingRoleArn?: string) {
  const app = new App({ context: cdkJsonContext() });
  const stack = new OrganizationReaderStack(app, 'DenyscopeOrganizationReader', {
    alertingAccountId: ALERTING_ACCOUNT,
    ...(alertingRoleArn ? { alertingRoleArn } : {}),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

describe('OrganizationReader stack', () => {
  it('creates one role, named so its ARN is known in advance, trusted by the alerting account', () => {
    const { template } = build();
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'denyscope-organization-reader',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ALERTING_ACCOUNT}:root`]] } },
          },
        ],
      },
      ManagedPolicyArns: Match.absent(),
    });
    template.hasOutput('OrganizationReaderRoleArn', {});
  });

  it("lets only the alert Lambda's role assume it when that role is given", () => {
    build(LAMBDA_ROLE).template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Condition: { ArnEquals: { 'aws:PrincipalArn': LAMBDA_ROLE } } })],
      },
    });
  });

  it('allows exactly the Organizations reads the Lambda sends, and nothing else', async () => {
    const sent = (await sdkCommandsSentFrom(DEEP_DIAGNOSIS_ENTRY)).map(iamActionOf).filter((action) => action.startsWith('organizations:'));
    expect(sent.length).toBeGreaterThan(0);
    const { template } = build();
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[] }>,
    );
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
    expect([...new Set(statements.flatMap((statement) => ([] as string[]).concat(statement.Action)))].sort()).toEqual(
      [...new Set(sent)].sort(),
    );
  });

  it('scopes the reads that Organizations can scope to the management account and AWS managed policies', () => {
    build().template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'organizations:DescribePolicy',
            Resource: [
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':organizations::', { Ref: 'AWS::AccountId' }, ':policy/o-*/*']] },
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':organizations::aws:policy/*']] },
            ],
          }),
        ]),
      },
    });
  });

  it('finds nothing unacknowledged with cdk-nag AwsSolutions', () => {
    const { app, stack } = build(LAMBDA_ROLE);
    const violations = new AwsSolutionsChecks(app).validateScope(stack).violations.map((violation) => violation.ruleName);
    expect(violations).toEqual([]);
  });
});
