import { iamEntityOf, parseArn, partitionOf, serviceHostOf, sessionNameOf } from './arn';
import type { DiagnosisFacts } from './diagnose';
import { shellCommand } from './shell';
import type { Cause, DocLink, PolicySnippet, Remediation, RemediationCommand } from './types';

/**
 * What a person is told to do, per cause: one table (GUIDES) of summary, steps, commands, policy snippet and docs.
 * Steps follow AWS's DynamoDB AccessDenied troubleshooting order: identity permissions (and the role's trust
 * policy), organization SCPs and RCPs, the VPC endpoint policy, MFA, the table's KMS key. DynamoDB has had
 * resource-based policies on tables, indexes and streams since March 2024, so they are part of the checks.
 * Every value from the event goes into commands through shellCommand (quoted) and is rendered by the caller's escaping.
 */
export function remediate(facts: DiagnosisFacts): Remediation {
  const guide = GUIDES[facts.cause];
  const snippet = facts.denial !== 'explicit' && guide.snippet ? guide.snippet(facts) : null;
  return {
    summary: guide.summary(facts),
    steps: guide.steps(facts),
    commands: uniqueCommands(guide.commands(facts)),
    policySnippet: snippet,
    // The encoded message's decoder matters whatever the cause, as soon as the message carries one.
    docs: facts.encodedAuthorizationMessage ? [...guide.docs, DOCS.decodeMessage] : guide.docs,
  };
}

interface Guide {
  summary(facts: DiagnosisFacts): string;
  steps(facts: DiagnosisFacts): string[];
  commands(facts: DiagnosisFacts): Array<RemediationCommand | null>;
  /** The minimal allow for an implicit denial, where it belongs. Absent when no policy edit fixes the cause. */
  snippet?(facts: DiagnosisFacts): PolicySnippet;
  docs: readonly DocLink[];
}

const DOCS = {
  dynamodbAccessDenied: doc(
    'How do I troubleshoot AccessDeniedException in DynamoDB? (AWS re:Post)',
    'https://repost.aws/knowledge-center/dynamodb-access-denied-exception',
  ),
  accessDeniedMessages: doc(
    'IAM: Troubleshoot access denied error messages',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html',
  ),
  evaluationLogic: doc(
    'IAM: Policy evaluation logic',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
  ),
  policySimulator: doc(
    'IAM: Testing IAM policies with the policy simulator',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html',
  ),
  scps: doc(
    'AWS Organizations: Service control policies (SCPs)',
    'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html',
  ),
  rcps: doc(
    'AWS Organizations: Resource control policies (RCPs)',
    'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html',
  ),
  endpointPolicies: doc(
    'AWS PrivateLink: Control access to VPC endpoints using endpoint policies',
    'https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html',
  ),
  networkActivityEvents: doc(
    'CloudTrail: Logging network activity events',
    'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-network-events-with-cloudtrail.html',
  ),
  boundaries: doc(
    'IAM: Permissions boundaries for IAM entities',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html',
  ),
  sessionPolicies: doc('IAM: Session policies', 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session'),
  dynamodbResourcePolicies: doc(
    'DynamoDB: Using resource-based policies',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html',
  ),
  crossAccount: doc(
    'IAM: Cross account resource access',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html',
  ),
  roleTrust: doc('IAM: Troubleshoot IAM roles', 'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_roles.html'),
  mfaApi: doc(
    'IAM: Secure API access with MFA',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html',
  ),
  kmsDynamodb: doc(
    'AWS KMS: How Amazon DynamoDB uses AWS KMS',
    'https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html',
  ),
  dynamodbEncryption: doc(
    'DynamoDB: Encryption at rest usage notes',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html',
  ),
  keyPolicies: doc('AWS KMS: Key policies', 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html'),
  keyStates: doc('AWS KMS: Key states', 'https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html'),
  decodeMessage: doc(
    'AWS STS: DecodeAuthorizationMessage',
    'https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html',
  ),
} as const;

function doc(title: string, url: string): DocLink {
  return { title, url };
}

/** The actions a caller needs on a DynamoDB table's customer managed key (AWS's example key policy). */
const DYNAMODB_KMS_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'];

// ---- values shown in text: a readable stand-in when the event does not have them ----

const shown = (value: string | null, placeholder: string): string => (value && value !== 'unknown' ? value : `<${placeholder}>`);
const isIamPrincipal = (facts: DiagnosisFacts): boolean => iamEntityOf(facts.principal) !== null;
const known = (value: string): string | null => (value === 'unknown' ? null : value);
const onKey = (facts: DiagnosisFacts): string | null => (parseArn(facts.resource)?.service === 'kms' ? facts.resource : null);
const ORGANIZATION_POLICY_ID = /\/(p-[0-9a-zA-Z_]+)$/;
const policyIdOf = (policyArn: string | null): string | null => policyArn?.match(ORGANIZATION_POLICY_ID)?.[1] ?? null;
const regionOption = (facts: DiagnosisFacts): readonly [string | null, string] => [known(facts.region), 'REGION'];

// ---- commands: one builder per check, shared by every cause that needs it ----

function simulateCommand(facts: DiagnosisFacts): RemediationCommand | null {
  if (!isIamPrincipal(facts)) return null;
  return {
    description: `Simulate the call for ${facts.principal} with its identity policies, permissions boundary and SCPs`,
    command: shellCommand(
      'aws iam simulate-principal-policy --policy-source-arn',
      [facts.principal, 'PRINCIPAL_ARN'],
      '--action-names',
      [facts.action, 'ACTION'],
      '--resource-arns',
      [facts.resource ?? '*', 'RESOURCE_ARN'],
    ),
  };
}

function listIdentityPoliciesCommands(facts: DiagnosisFacts): RemediationCommand[] {
  const entity = iamEntityOf(facts.principal);
  if (!entity) return [];
  const flag = entity.kind === 'role' ? '--role-name' : '--user-name';
  const commands = [
    {
      description: `Managed policies attached to ${entity.kind} ${entity.name}`,
      command: shellCommand(`aws iam list-attached-${entity.kind}-policies ${flag}`, [entity.name, 'NAME']),
    },
    {
      description: `Inline policies of ${entity.kind} ${entity.name}`,
      command: shellCommand(`aws iam list-${entity.kind}-policies ${flag}`, [entity.name, 'NAME']),
    },
  ];
  if (entity.kind === 'user') {
    commands.push({
      description: `Groups of user ${entity.name} (their policies apply too)`,
      command: shellCommand('aws iam list-groups-for-user --user-name', [entity.name, 'USER_NAME']),
    });
  }
  return commands;
}

function namedIamPolicyCommand(facts: DiagnosisFacts): RemediationCommand | null {
  if (parseArn(facts.policyArn)?.service !== 'iam') return null;
  return {
    description: 'The policy the message names (then get-policy-version with its DefaultVersionId)',
    command: shellCommand('aws iam get-policy --policy-arn', [facts.policyArn, 'POLICY_ARN']),
  };
}

function organizationPolicyCommands(
  facts: DiagnosisFacts,
  filter: 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY',
): RemediationCommand[] {
  const kind = filter === 'SERVICE_CONTROL_POLICY' ? 'SCP' : 'RCP';
  // RCPs govern the resource's account; SCPs the caller's.
  const account = filter === 'SERVICE_CONTROL_POLICY' ? (facts.callerAccountId ?? known(facts.accountId)) : known(facts.accountId);
  const commands: RemediationCommand[] = [];
  const policyId = policyIdOf(facts.policyArn);
  if (policyId) {
    commands.push({
      description: `The ${kind} the message names (run in the organization's management account)`,
      command: shellCommand('aws organizations describe-policy --policy-id', [policyId, 'POLICY_ID']),
    });
  }
  commands.push({
    description: `${kind}s attached directly to account ${shown(account, 'ACCOUNT_ID')} (management account)`,
    command: shellCommand('aws organizations list-policies-for-target --target-id', [account, 'ACCOUNT_ID'], '--filter', filter),
  });
  commands.push({
    description: `The OU above the account: its ${kind}s (and its parents') apply too`,
    command: shellCommand('aws organizations list-parents --child-id', [account, 'ACCOUNT_ID']),
  });
  return commands;
}

function vpcEndpointCommand(facts: DiagnosisFacts): RemediationCommand {
  if (facts.viaVpcEndpoint) {
    return {
      description: `The policy of VPC endpoint ${facts.viaVpcEndpoint}`,
      command: shellCommand(
        'aws ec2 describe-vpc-endpoints --vpc-endpoint-ids',
        [facts.viaVpcEndpoint, 'VPC_ENDPOINT_ID'],
        '--region',
        regionOption(facts),
        '--query',
        ['VpcEndpoints[].PolicyDocument', 'QUERY'],
      ),
    };
  }
  const service = facts.eventSource !== 'unknown' ? serviceHostOf(facts.eventSource) : 'dynamodb';
  return {
    description: `The VPC endpoints for ${service} in ${shown(known(facts.region), 'REGION')} and their policies`,
    command: shellCommand(
      'aws ec2 describe-vpc-endpoints --filters',
      [`Name=service-name,Values=com.amazonaws.${shown(known(facts.region), 'REGION')}.${service}`, 'FILTER'],
      '--region',
      regionOption(facts),
      '--query',
      ['VpcEndpoints[].[VpcEndpointId,PolicyDocument]', 'QUERY'],
    ),
  };
}

function boundaryCommand(facts: DiagnosisFacts): RemediationCommand | null {
  const entity = iamEntityOf(facts.principal);
  if (!entity) return null;
  return entity.kind === 'role'
    ? {
        description: `The permissions boundary of role ${entity.name}`,
        command: shellCommand('aws iam get-role --role-name', [entity.name, 'ROLE_NAME'], '--query Role.PermissionsBoundary'),
      }
    : {
        description: `The permissions boundary of user ${entity.name}`,
        command: shellCommand('aws iam get-user --user-name', [entity.name, 'USER_NAME'], '--query User.PermissionsBoundary'),
      };
}

function trustPolicyCommand(facts: DiagnosisFacts): RemediationCommand | null {
  const role = iamEntityOf(facts.resource ?? '');
  if (role?.kind !== 'role') return null;
  return {
    description: `The trust policy of role ${role.name}`,
    command: shellCommand('aws iam get-role --role-name', [role.name, 'ROLE_NAME'], '--query Role.AssumeRolePolicyDocument'),
  };
}

function resourcePolicyCommand(facts: DiagnosisFacts): RemediationCommand | null {
  const arn = parseArn(facts.resource);
  if (arn?.service === 'dynamodb' && facts.tableName) {
    return {
      description: `The resource-based policy of ${facts.resource}`,
      command: shellCommand(
        'aws dynamodb get-resource-policy --resource-arn',
        [facts.resource, 'RESOURCE_ARN'],
        '--region',
        regionOption(facts),
      ),
    };
  }
  if (arn?.service === 'kms') return keyPolicyCommand(facts, facts.resource);
  return trustPolicyCommand(facts);
}

function tableEncryptionCommand(facts: DiagnosisFacts): RemediationCommand | null {
  if (!facts.tableName) return null;
  return {
    description: `Which KMS key encrypts table ${facts.tableName}, and whether it is inaccessible`,
    command: shellCommand(
      'aws dynamodb describe-table --table-name',
      [facts.tableName, 'TABLE_NAME'],
      '--region',
      regionOption(facts),
      '--query Table.SSEDescription',
    ),
  };
}

function describeKeyCommand(facts: DiagnosisFacts): RemediationCommand {
  return {
    description: "The key's state (Enabled, Disabled, PendingDeletion) and manager",
    command: shellCommand(
      'aws kms describe-key --key-id',
      [onKey(facts), 'KEY_ARN from SSEDescription.KMSMasterKeyArn'],
      '--region',
      regionOption(facts),
      '--query',
      ['KeyMetadata.[KeyState,DeletionDate,KeyManager]', 'QUERY'],
    ),
  };
}

function keyPolicyCommand(facts: DiagnosisFacts, key: string | null): RemediationCommand {
  return {
    description: 'The key policy: it must allow the caller, for example through kms:ViaService',
    command: shellCommand(
      'aws kms get-key-policy --key-id',
      [key, 'KEY_ARN from SSEDescription.KMSMasterKeyArn'],
      '--policy-name default --region',
      regionOption(facts),
      '--output text',
    ),
  };
}

function keyGrantsCommand(facts: DiagnosisFacts): RemediationCommand {
  return {
    description: 'Grants on the key (DynamoDB creates grants scoped by aws:dynamodb:tableName)',
    command: shellCommand('aws kms list-grants --key-id', [onKey(facts), 'KEY_ARN'], '--region', regionOption(facts)),
  };
}

function decodeCommand(facts: DiagnosisFacts): RemediationCommand | null {
  if (!facts.encodedAuthorizationMessage) return null;
  return {
    description: 'Decode the encoded authorization message: it names the denying statement (needs sts:DecodeAuthorizationMessage)',
    command: shellCommand(
      'aws sts decode-authorization-message --encoded-message',
      [facts.encodedAuthorizationMessage, 'ENCODED_MESSAGE'],
      '--query DecodedMessage --output text',
    ),
  };
}

function mfaCommands(facts: DiagnosisFacts): RemediationCommand[] {
  const entity = iamEntityOf(facts.principal);
  const userName = entity?.kind === 'user' ? entity.name : null;
  const account = facts.callerAccountId ?? known(facts.accountId);
  const device = userName && account ? `arn:${partitionOf(facts.region)}:iam::${account}:mfa/${userName}` : null;
  return [
    {
      description: `MFA devices of ${shown(userName, 'USER_NAME')}`,
      command: shellCommand('aws iam list-mfa-devices --user-name', [userName, 'USER_NAME']),
    },
    {
      description: 'Get MFA session credentials (use the SerialNumber list-mfa-devices shows; the code from the device)',
      command: shellCommand('aws sts get-session-token --serial-number', [device, 'MFA_DEVICE_ARN'], '--token-code', [null, 'MFA_CODE']),
    },
  ];
}

// AWS's pattern for role session names; such a name needs no escaping inside a JMESPath raw string literal.
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function sessionIssueCommand(facts: DiagnosisFacts): RemediationCommand {
  const session = sessionNameOf(facts.principalArn);
  // A raw string literal ('…') rather than a JSON literal (`…`): a Slack code block cannot carry backticks. A name
  // AWS would not issue is not written into it altered: the user fills in the placeholder.
  const name = session !== null && ROLE_SESSION_NAME.test(session) ? session : '<SESSION_NAME>';
  return {
    description: `The AssumeRole calls of the role's account: the one that started session ${shown(session, 'SESSION_NAME')} has the session policy in requestParameters.policy / policyArns`,
    command: shellCommand(
      'aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRole --region',
      regionOption(facts),
      '--query',
      [`Events[?contains(CloudTrailEvent, '${name}')].CloudTrailEvent`, 'QUERY'],
    ),
  };
}

// ---- policy snippets for implicit denials ----

function allowStatement(facts: DiagnosisFacts, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'AllowDeniedCall', Effect: 'Allow', ...extra, Action: facts.action, Resource: facts.resource ?? '*' }],
  };
}

function principalElement(facts: DiagnosisFacts): Record<string, unknown> {
  return facts.principal.endsWith('.amazonaws.com') ? { Service: facts.principal } : { AWS: facts.principal };
}

// ---- text shared by several causes ----

function deniedCall(facts: DiagnosisFacts): string {
  const on = facts.resource ? ` on ${facts.resource}` : '';
  return `${facts.action}${on} by ${facts.principal}`;
}

function narrowTheDeny(place: string, facts: DiagnosisFacts): string {
  const named = facts.policyArn ? ` (the message names ${facts.policyArn})` : '';
  return `Find the Deny statement for ${facts.action} in ${place}${named}. Do not delete a guardrail blindly: narrow it (a Condition or NotPrincipal exception for this caller) if this call is legitimate, or stop making the call if the deny is intended.`;
}

function remainingLayers(facts: DiagnosisFacts, checked: Cause): string {
  const layers: Array<[Cause, string]> = [
    ['identity-policy', `the identity policies of ${facts.principal}`],
    ['service-control-policy', "the SCPs over the caller's account"],
    ['resource-control-policy', "the RCPs over the resource's account"],
    ['vpc-endpoint-policy', 'the VPC endpoint policy'],
    ['resource-policy', facts.tableName ? `the resource-based policy of table ${facts.tableName}` : 'the resource-based policy'],
    ['kms-key-access', facts.tableName ? `the KMS key of table ${facts.tableName}` : 'the KMS key'],
  ];
  const rest = layers.filter(([cause]) => cause !== checked).map(([, text]) => text);
  return `AWS names only one denying policy per message: if the call is still denied after the fix, check ${rest.join(', ')}.`;
}

const GUIDES: Readonly<Record<Cause, Guide>> = {
  'identity-policy': {
    summary: (f) =>
      f.denial === 'explicit'
        ? `A Deny statement in an identity-based policy of ${f.principal} blocks ${f.action}.`
        : `No identity-based policy of ${f.principal} allows ${f.action}${f.resource ? ` on ${f.resource}` : ''}.`,
    steps: (f) => [
      f.denial === 'explicit'
        ? narrowTheDeny(`the policies attached to ${f.principal} (and its groups, for a user)`, f)
        : `Add an Allow for ${f.action} on ${shown(f.resource, 'RESOURCE_ARN')} to an identity policy of ${f.principal} (the snippet below); scope Resource to the table and its indexes rather than *.`,
      isIamPrincipal(f)
        ? `Confirm with the policy simulator that ${deniedCall(f)} is allowed afterwards.`
        : `The caller ${f.principal} is not an IAM role or user: grant the permission where its access comes from.`,
      f.action === 'sts:AssumeRole'
        ? `For sts:AssumeRole the role's trust policy must also allow ${f.principal}.`
        : `If the caller reaches the table from another account, the table's resource-based policy must allow it too.`,
      remainingLayers(f, 'identity-policy'),
    ],
    commands: (f) => [namedIamPolicyCommand(f), ...listIdentityPoliciesCommands(f), simulateCommand(f), decodeCommand(f)],
    snippet: (f) => ({ attachTo: `identity policy of ${f.principal}`, document: allowStatement(f) }),
    docs: [DOCS.dynamodbAccessDenied, DOCS.accessDeniedMessages, DOCS.evaluationLogic, DOCS.policySimulator],
  },
  'service-control-policy': {
    summary: (f) =>
      f.denial === 'explicit'
        ? `A service control policy of your AWS Organization denies ${f.action} for account ${shown(f.callerAccountId ?? known(f.accountId), 'ACCOUNT_ID')}.`
        : `No service control policy over account ${shown(f.callerAccountId ?? known(f.accountId), 'ACCOUNT_ID')} allows ${f.action}.`,
    steps: (f) => [
      "SCPs are managed in the organization's management account (or a delegated administrator); ask its administrators if you cannot list them.",
      f.denial === 'explicit'
        ? narrowTheDeny('the SCPs attached to the account, its OUs and the root', f)
        : `Every level (root, each OU, the account) must allow ${f.action}: find the level whose SCPs have no Allow for it (FullAWSAccess detached) and add one.`,
      f.policyChain.length > 1
        ? `The message names a chain (${f.policyChain.join(' → ')}): the first policy is where the deny applies, reached through the next.`
        : 'Changes apply at once to every principal in the account: test them on a sandbox OU first.',
      remainingLayers(f, 'service-control-policy'),
    ],
    commands: (f) => [...organizationPolicyCommands(f, 'SERVICE_CONTROL_POLICY'), simulateCommand(f), decodeCommand(f)],
    snippet: (f) => ({
      attachTo: `an SCP attached to the account ${shown(f.callerAccountId ?? known(f.accountId), 'ACCOUNT_ID')} or the OU that lacks the allow`,
      document: { Version: '2012-10-17', Statement: [{ Sid: 'AllowDeniedCall', Effect: 'Allow', Action: f.action, Resource: '*' }] },
    }),
    docs: [DOCS.scps, DOCS.dynamodbAccessDenied, DOCS.evaluationLogic],
  },
  'resource-control-policy': {
    summary: (f) =>
      `A resource control policy of your AWS Organization denies ${f.action} on resources of account ${shown(known(f.accountId), 'ACCOUNT_ID')}.`,
    steps: (f) => [
      "RCPs are managed in the organization's management account; they restrict access to resources in member accounts, often from outside the organization.",
      narrowTheDeny("the RCPs attached to the resource's account, its OUs and the root", f),
      f.crossAccount
        ? `The caller's account differs from the resource's: a data-perimeter RCP (aws:PrincipalOrgID) most likely blocks ${f.principal}.`
        : "Check the RCP's conditions (aws:PrincipalOrgID, aws:SourceVpce, aws:SecureTransport) against this request.",
      remainingLayers(f, 'resource-control-policy'),
    ],
    commands: (f) => [...organizationPolicyCommands(f, 'RESOURCE_CONTROL_POLICY'), decodeCommand(f)],
    docs: [DOCS.rcps, DOCS.evaluationLogic],
  },
  'vpc-endpoint-policy': {
    summary: (f) =>
      `The policy of VPC endpoint ${shown(f.viaVpcEndpoint, 'VPC_ENDPOINT_ID')} does not let ${f.principal} call ${f.action}.`,
    steps: (f) => [
      `Read the endpoint policy of ${shown(f.viaVpcEndpoint, "the DynamoDB endpoint in the caller's VPC")}; the call went through it${f.viaVpcEndpoint ? '' : ' (the record does not name the endpoint: list the endpoints of the service in the region)'}.`,
      f.denial === 'explicit'
        ? narrowTheDeny('the endpoint policy', f)
        : `Add an Allow for ${f.action} on ${shown(f.resource, 'RESOURCE_ARN')} for ${f.principal} to the endpoint policy (the snippet below), then modify-vpc-endpoint --policy-document.`,
      'Endpoint policies do not grant access: the identity and resource policies must still allow the call.',
      remainingLayers(f, 'vpc-endpoint-policy'),
    ],
    commands: (f) => [vpcEndpointCommand(f), simulateCommand(f)],
    snippet: (f) => ({
      attachTo: `policy of VPC endpoint ${shown(f.viaVpcEndpoint, 'VPC_ENDPOINT_ID')}`,
      document: allowStatement(f, { Principal: principalElement(f) }),
    }),
    docs: [DOCS.endpointPolicies, DOCS.networkActivityEvents, DOCS.dynamodbAccessDenied],
  },
  'permissions-boundary': {
    summary: (f) =>
      `The permissions boundary of ${f.principal} does not ${f.denial === 'explicit' ? 'permit (it denies)' : 'allow'} ${f.action}.`,
    steps: (f) => [
      `Read the boundary policy attached to ${f.principal}: a boundary caps what the identity policies can grant.`,
      f.denial === 'explicit'
        ? narrowTheDeny('the permissions boundary', f)
        : `Add ${f.action} on ${shown(f.resource, 'RESOURCE_ARN')} to the boundary policy (the snippet below), if your delegation rules allow it.`,
      'The identity policy must allow the call as well: a boundary alone grants nothing.',
      remainingLayers(f, 'permissions-boundary'),
    ],
    commands: (f) => [boundaryCommand(f), namedIamPolicyCommand(f), simulateCommand(f)],
    snippet: (f) => ({ attachTo: `permissions boundary policy of ${f.principal}`, document: allowStatement(f) }),
    docs: [DOCS.boundaries, DOCS.evaluationLogic],
  },
  'session-policy': {
    summary: (f) => `The session policy passed when ${shown(f.principalArn, 'the session')} was created does not allow ${f.action}.`,
    steps: (f) => [
      `Session policies are passed in the Policy / PolicyArns parameters of AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML or GetFederationToken: find the code or tool that starts the session ${shown(sessionNameOf(f.principalArn), 'SESSION_NAME')}.`,
      f.denial === 'explicit'
        ? narrowTheDeny('the session policy', f)
        : `Include ${f.action} on ${shown(f.resource, 'RESOURCE_ARN')} in the session policy (the snippet below), or pass none.`,
      'The new policy applies only to new sessions: assume the role again after the change.',
      remainingLayers(f, 'session-policy'),
    ],
    commands: (f) => [sessionIssueCommand(f), simulateCommand(f)],
    snippet: (f) => ({ attachTo: `session policy passed to AssumeRole for ${f.principal}`, document: allowStatement(f) }),
    docs: [DOCS.sessionPolicies, DOCS.evaluationLogic],
  },
  'resource-policy': {
    summary: (f) =>
      f.action === 'sts:AssumeRole'
        ? `The trust policy of ${shown(f.resource, 'the role')} does not let ${f.principal} assume it.`
        : `The resource-based policy of ${shown(f.resource, 'the resource')} ${f.denial === 'explicit' ? 'denies' : 'does not allow'} ${f.action} for ${f.principal}.`,
    steps: (f) => [
      f.action === 'sts:AssumeRole'
        ? `Read the role's trust policy (the role trust policy is its resource-based policy): it must allow sts:AssumeRole for ${f.principal}.`
        : `Read the resource-based policy of ${shown(f.resource, 'the resource')}${f.tableName ? ' (DynamoDB tables, indexes and streams have resource-based policies since March 2024)' : ''}.`,
      f.denial === 'explicit'
        ? narrowTheDeny('the resource-based policy', f)
        : `Add a statement allowing ${f.principal} to call ${f.action} (the snippet below).`,
      f.crossAccount
        ? `The caller is in another account (${shown(f.callerAccountId, 'CALLER_ACCOUNT')}): both sides must allow the call, the resource policy here and an identity policy in the caller's account. Cross-account access does not work for tables encrypted with the AWS managed key.`
        : 'Within one account an allow in either the identity policy or the resource policy is enough, unless something denies.',
      remainingLayers(f, 'resource-policy'),
    ],
    commands: (f) => [resourcePolicyCommand(f), simulateCommand(f), decodeCommand(f)],
    snippet: (f) => ({
      attachTo:
        f.action === 'sts:AssumeRole'
          ? `trust policy of ${shown(f.resource, 'ROLE_ARN')}`
          : `resource-based policy of ${shown(f.resource, 'RESOURCE_ARN')}`,
      document:
        f.action === 'sts:AssumeRole'
          ? {
              Version: '2012-10-17',
              Statement: [{ Sid: 'AllowAssumeRole', Effect: 'Allow', Principal: principalElement(f), Action: 'sts:AssumeRole' }],
            }
          : allowStatement(f, { Principal: principalElement(f) }),
    }),
    docs: [DOCS.dynamodbResourcePolicies, DOCS.crossAccount, DOCS.roleTrust, DOCS.evaluationLogic],
  },
  'mfa-required': {
    summary: (f) => `${f.principal} called ${f.action} without MFA, and an identity policy denies calls without MFA.`,
    steps: (f) => [
      `The user signed the request with a long-term access key or a session without MFA; a Deny with "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"} blocks it (AWS's deny-unless-MFA pattern).`,
      `Get temporary credentials with MFA (sts get-session-token with the user's MFA device) and repeat the call with them.`,
      `If the caller is an application, give it a role instead of an IAM user's key; do not remove the MFA condition for humans.`,
      narrowTheDeny(`the policies attached to ${f.principal} and its groups`, f),
    ],
    commands: (f) => [...mfaCommands(f), ...listIdentityPoliciesCommands(f)],
    docs: [DOCS.mfaApi, DOCS.dynamodbAccessDenied],
  },
  'kms-key-access': {
    summary: (f) =>
      `${f.principal} may not use the KMS key ${f.tableName ? `that encrypts table ${f.tableName}` : onKey(f) ? onKey(f)! : 'of the resource'}.`,
    steps: (f) => [
      f.tableName
        ? `Find the table's key: describe-table shows SSEDescription.KMSMasterKeyArn.`
        : `Find the key: ${shown(onKey(f), 'the key the record names')}.`,
      `The caller needs ${DYNAMODB_KMS_ACTIONS.join(', ')} on the key, through the key policy (AWS's example scopes it with kms:ViaService = dynamodb.${shown(known(f.region), 'REGION')}.amazonaws.com) or an IAM policy the key policy lets apply.`,
      f.denial === 'explicit'
        ? narrowTheDeny("the key policy and the caller's policies", f)
        : 'Add the key-policy statement below (or the equivalent IAM policy if the key policy delegates to IAM).',
      'DynamoDB caches table keys: a key policy change can take about 5 minutes to apply. If the key stays inaccessible, DynamoDB marks the table inaccessible and archives it after 7 days.',
    ],
    commands: (f) => [
      tableEncryptionCommand(f),
      describeKeyCommand(f),
      keyPolicyCommand(f, onKey(f)),
      keyGrantsCommand(f),
      simulateCommand(f),
    ],
    snippet: (f) => ({
      attachTo: `key policy of ${shown(onKey(f), f.tableName ? `the KMS key of table ${f.tableName}` : 'the KMS key')}`,
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowUseThroughDynamoDB',
            Effect: 'Allow',
            Principal: principalElement(f),
            Action: DYNAMODB_KMS_ACTIONS,
            Resource: '*',
            Condition: {
              StringEquals: {
                'kms:ViaService': `dynamodb.${shown(known(f.region), 'REGION')}.amazonaws.com`,
                'kms:CallerAccount': shown(f.callerAccountId ?? known(f.accountId), 'ACCOUNT_ID'),
              },
            },
          },
        ],
      },
    }),
    docs: [DOCS.kmsDynamodb, DOCS.dynamodbEncryption, DOCS.keyPolicies, DOCS.dynamodbAccessDenied],
  },
  'kms-key-unusable': {
    summary: (f) =>
      `The KMS key ${f.tableName ? `of table ${f.tableName} ` : ''}is disabled, pending deletion or missing, so DynamoDB cannot use it.`,
    steps: (f) => [
      `Check the key's state with describe-key: Disabled, PendingDeletion, or not found.`,
      'Disabled: enable it (aws kms enable-key). Pending deletion: cancel the deletion (aws kms cancel-key-deletion), then enable it. Deleted: the data encrypted under it cannot be recovered; restore from a backup encrypted with another key.',
      `If the key stays unusable DynamoDB marks ${f.tableName ? `table ${f.tableName}` : 'the table'} inaccessible (SSEDescription.InaccessibleEncryptionDateTime) and archives it after 7 days.`,
      'To change the key of a healthy table: aws dynamodb update-table --sse-specification with a usable key.',
    ],
    commands: (f) => [
      tableEncryptionCommand(f),
      describeKeyCommand(f),
      {
        description: 'Fix a disabled key',
        command: shellCommand('aws kms enable-key --key-id', [onKey(f), 'KEY_ARN'], '--region', regionOption(f)),
      },
      {
        description: 'Fix a key pending deletion (then enable it)',
        command: shellCommand('aws kms cancel-key-deletion --key-id', [onKey(f), 'KEY_ARN'], '--region', regionOption(f)),
      },
    ],
    docs: [DOCS.keyStates, DOCS.dynamodbEncryption, DOCS.kmsDynamodb],
  },
  unknown: {
    summary: (f) =>
      f.encodedAuthorizationMessage && !f.policyType
        ? `${f.action} was denied; the reason is only in the encoded authorization message: decode it first.`
        : `${f.action} was denied for ${f.principal}, and the message does not say which policy${f.denial === 'explicit' ? ' holds the explicit deny' : ''}.`,
    steps: (f) => [
      ...(f.encodedAuthorizationMessage
        ? ['Decode the encoded authorization message (command below): it names the denying policy and statement.']
        : []),
      f.errorMessage
        ? `The message ("${f.errorMessage.slice(0, 160)}") names no policy type: older or service-specific wording.`
        : 'The record has no errorMessage: the service did not say why.',
      `Check, most likely first: ${f.hypotheses.map(describeCause).join('; ')}.`,
      isIamPrincipal(f)
        ? 'The policy simulator evaluates identity policies, the permissions boundary and SCPs in one call.'
        : `Look at the caller's policies where ${f.principal}'s access is defined.`,
    ],
    commands: (f) => [
      decodeCommand(f),
      ...f.hypotheses.slice(0, 3).flatMap((cause) => (cause === 'unknown' ? [] : GUIDES[cause].commands(f))),
    ],
    docs: [DOCS.accessDeniedMessages, DOCS.dynamodbAccessDenied, DOCS.evaluationLogic],
  },
};

const CAUSE_DESCRIPTIONS: Readonly<Record<Cause, string>> = {
  'identity-policy': 'the identity-based policies of the caller',
  'service-control-policy': "the organization's service control policies",
  'resource-control-policy': "the organization's resource control policies",
  'vpc-endpoint-policy': 'the VPC endpoint policy',
  'permissions-boundary': "the caller's permissions boundary",
  'session-policy': 'the session policy of the assumed-role session',
  'resource-policy': 'the resource-based policy (table policy, key policy, trust policy)',
  'mfa-required': 'a deny-unless-MFA condition (the call carried no MFA)',
  'kms-key-access': 'access to the KMS key',
  'kms-key-unusable': 'the state of the KMS key',
  unknown: 'unknown',
};

function describeCause(cause: Cause): string {
  return CAUSE_DESCRIPTIONS[cause];
}

function uniqueCommands(commands: Array<RemediationCommand | null>): RemediationCommand[] {
  const seen = new Set<string>();
  const unique: RemediationCommand[] = [];
  for (const command of commands) {
    if (command && !seen.has(command.command)) {
      seen.add(command.command);
      unique.push(command);
    }
  }
  return unique;
}
