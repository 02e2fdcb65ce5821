import { Arn, ArnFormat, Aws, CfnOutput, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The role's fixed name, so that its ARN is known before it exists: arn:aws:iam::MANAGEMENT_ACCOUNT:role/<this>. */
export const ORGANIZATION_READER_ROLE_NAME = 'denyscope-organization-reader';

/**
 * What deep diagnosis reads from AWS Organizations (lambdas/adapters/policy-sources/organization-reads.ts): the
 * organization, an account's path to the root, the SCPs and RCPs attached at each level and their documents.
 * test/lib/organization-reader-stack.test.ts derives them from the Lambda's code and fails when they differ.
 */
const ORGANIZATION_READS = {
  /** Organizations supports no resource-level permissions for these (Service Authorization Reference). */
  unscoped: ['organizations:DescribeOrganization', 'organizations:ListParents'],
  targets: ['organizations:ListPoliciesForTarget'],
  policies: ['organizations:DescribePolicy'],
} as const;

const DESCRIPTION = "denyscope organization reader: lets the alert Lambda read the organization's SCPs and RCPs";

export interface OrganizationReaderStackProps extends StackProps {
  /** The account of the alerting stack (its alert Lambda assumes the role). */
  readonly alertingAccountId: string;
  /**
   * The alert Lambda's role: only it may assume the reader role (aws:PrincipalArn).
   * @default - any principal of alertingAccountId that its own IAM policies allow to assume it
   */
  readonly alertingRoleArn?: string;
}

/**
 * Deployed to the organization's management account (Organizations answers these reads there only, or in a delegated
 * administrator): one role that the alerting account may assume, allowed only to read the organization's structure
 * and its service and resource control policies. Its ARN is the alerting stack's organizationReaderRoleArn.
 */
export class OrganizationReaderStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: OrganizationReaderStackProps) {
    super(scope, id, { description: DESCRIPTION, ...props });
    const trusted = new iam.AccountPrincipal(props.alertingAccountId);
    this.role = new iam.Role(this, 'Role', {
      roleName: ORGANIZATION_READER_ROLE_NAME,
      description: DESCRIPTION,
      assumedBy: props.alertingRoleArn ? trusted.withConditions({ ArnEquals: { 'aws:PrincipalArn': props.alertingRoleArn } }) : trusted,
    });
    const organizations = (resource: string, resourceName: string, account: string = Aws.ACCOUNT_ID) =>
      Arn.format({ service: 'organizations', region: '', account, resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, this);
    const policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({ sid: 'ReadOrganization', actions: [...ORGANIZATION_READS.unscoped], resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'ReadAttachedPolicies',
          actions: [...ORGANIZATION_READS.targets],
          resources: [organizations('root', 'o-*/r-*'), organizations('ou', 'o-*/ou-*'), organizations('account', 'o-*/*')],
        }),
        new iam.PolicyStatement({
          sid: 'ReadPolicies',
          actions: [...ORGANIZATION_READS.policies],
          // The organization's own policies, and AWS managed ones such as FullAWSAccess.
          resources: [organizations('policy', 'o-*/*'), organizations('policy', '*', 'aws')],
        }),
      ],
    });
    this.role.attachInlinePolicy(policy);
    this.acknowledge(policy.node.defaultChild as iam.CfnPolicy);
    new CfnOutput(this, 'OrganizationReaderRoleArn', {
      value: this.role.roleArn,
      description: "The alerting stack's organizationReaderRoleArn",
    });
  }

  private acknowledge(policy: iam.CfnPolicy): void {
    const acknowledge = (finding: string, reason: string) =>
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    acknowledge('Resource::*', 'organizations:DescribeOrganization and ListParents support no resource-level permissions. Read-only.');
    const anyOf = 'whichever account a denial names, and the OUs and root above it: not known at deploy time. Read-only.';
    acknowledge(
      'Resource::arn:<AWS::Partition>:organizations::<AWS::AccountId>:root/o-*/r-*',
      `ListPoliciesForTarget on the root of ${anyOf}`,
    );
    acknowledge(
      'Resource::arn:<AWS::Partition>:organizations::<AWS::AccountId>:ou/o-*/ou-*',
      `ListPoliciesForTarget on the OUs of ${anyOf}`,
    );
    acknowledge('Resource::arn:<AWS::Partition>:organizations::<AWS::AccountId>:account/o-*/*', `ListPoliciesForTarget on ${anyOf}`);
    acknowledge(
      'Resource::arn:<AWS::Partition>:organizations::<AWS::AccountId>:policy/o-*/*',
      'DescribePolicy on the SCPs and RCPs attached above a denied account: not known at deploy time. Read-only.',
    );
    acknowledge(
      'Resource::arn:<AWS::Partition>:organizations::aws:policy/*',
      'DescribePolicy on AWS managed SCPs (FullAWSAccess) attached above a denied account. Read-only.',
    );
  }
}
