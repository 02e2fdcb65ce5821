import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { HANDLER_ENV } from '../../core/contract';
import { buildMemberStack, ORGANIZATION, ORGANIZATION_ID, rulePatterns, synthStack } from './stack-fixture';

const central = synthStack(ORGANIZATION).template;
const memberTemplate = Template.fromStack(buildMemberStack().stack);

/** The member template the StackSet carries, as CloudFormation receives it. */
function stackSetTemplateBody(template: Template): { body: string; parsed: Template } {
  const [stackSet] = Object.values(template.findResources('AWS::CloudFormation::StackSet'));
  const body = stackSet.Properties.TemplateBody as string;
  expect(typeof body).toBe('string');
  return { body, parsed: Template.fromJSON(JSON.parse(body)) };
}

const busArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('OrganizationBus'), 'Arn'] };
const thisStacksBusArn = {
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/denyscope-denials'],
  ],
};
const forwardingRuleArn = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':events:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':rule/denyscope-forward-denials',
    ],
  ],
};

describe('central stack: the organization event bus', () => {
  it('admits the principals of the organization, and nothing else', () => {
    central.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'denyscope-denials',
      Policy: {
        Version: '2012-10-17',
        Statement: [
          Match.exact({
            Sid: Match.anyValue(),
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'events:PutEvents',
            Resource: thisStacksBusArn,
            Condition: { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION_ID } },
          }),
        ],
      },
    });
    central.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });

  it('narrows the organization to the given paths and the OUs below them (ForAnyValue:StringLike aws:PrincipalOrgPaths)', () => {
    const paths = synthStack({
      ...ORGANIZATION,
      principalOrgPaths: [`${ORGANIZATION_ID}/r-ab12/ou-ab12-abcdefgh/`, `${ORGANIZATION_ID}/r-ab12/ou-ab12-12345678/*`],
    }).template;
    paths.hasResourceProperties('AWS::Events::EventBus', {
      Policy: {
        Statement: [
          Match.objectLike({
            Principal: { AWS: '*' },
            Condition: Match.exact({
              StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION_ID },
              'ForAnyValue:StringLike': {
                'aws:PrincipalOrgPaths': [`${ORGANIZATION_ID}/r-ab12/ou-ab12-abcdefgh/*`, `${ORGANIZATION_ID}/r-ab12/ou-ab12-12345678/*`],
              },
            }),
          }),
        ],
      },
    });
  });

  it('has the same rules on the central bus as on the default bus, feeding the same queue, in the read-only state', () => {
    const onDefaultBus = rulePatterns(central, 'default');
    const onCentralBus = rulePatterns(central, 'custom');
    expect(onDefaultBus).toHaveLength(3);
    expect(onCentralBus).toEqual(onDefaultBus);
    const busRules = central.findResources('AWS::Events::Rule', {
      Properties: { EventBusName: { Ref: Match.stringLikeRegexp('OrganizationBus') } },
    });
    expect(Object.keys(busRules)).toHaveLength(3);
    for (const rule of Object.values(busRules)) {
      expect(rule.Properties.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/IngestionQueue/), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/DeliveryDeadLetterQueue/), 'Arn'] } },
        }),
      ]);
    }
  });

  it('lets EventBridge use the queue key for the rules of both buses (aws:SourceArn)', () => {
    const [queueKey] = Object.values(
      central.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('denial event queues') } }),
    );
    const statement = (queueKey.Properties.KeyPolicy.Statement as Array<Record<string, any>>).find(
      (s) => s.Principal?.Service === 'events.amazonaws.com',
    );
    const ruleArns = (statement?.Condition.ArnEquals['aws:SourceArn'] as unknown[]).map((arn) => JSON.stringify(arn));
    // rule/NAME on the default bus, rule/BUS/NAME (the bus by reference) on the central bus.
    expect(ruleArns.filter((arn) => arn.includes(':rule/') && !arn.includes('OrganizationBus'))).toHaveLength(3);
    expect(ruleArns.filter((arn) => /":rule\/",\{"Ref":"\w*OrganizationBus\w*"\},"\/[\w-]+"/.test(arn))).toHaveLength(3);
  });

  it('outputs the bus ARN that a member stack deployed by hand takes as its parameter', () => {
    central.hasOutput('CentralEventBusArn', { Value: busArn });
  });
});

describe('central stack: the StackSet of the member accounts', () => {
  it('deploys with service-managed permissions to the OUs and Regions, plus us-east-1, automatically to new accounts, as the management account', () => {
    central.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'SELF',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_IAM'],
      ManagedExecution: { Active: true },
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-abcdefgh', 'ou-ab12-12345678'] },
          Regions: ['eu-west-1', 'ap-southeast-2', 'us-east-1'],
        },
      ],
      Parameters: [{ ParameterKey: 'CentralEventBusArn', ParameterValue: busArn }],
      OperationPreferences: Match.exact({
        RegionConcurrencyType: 'PARALLEL',
        MaxConcurrentPercentage: 25,
        FailureTolerancePercentage: 10,
        ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
      }),
    });
  });

  it('is created as a delegated administrator with stackSetCallAs=DELEGATED_ADMIN, and lists us-east-1 once', () => {
    const delegated = synthStack({
      ...ORGANIZATION,
      stackSetCallAs: 'DELEGATED_ADMIN',
      memberRegions: ['us-east-1', 'eu-central-1'],
    }).template;
    delegated.hasResourceProperties('AWS::CloudFormation::StackSet', {
      CallAs: 'DELEGATED_ADMIN',
      StackInstancesGroup: [Match.objectLike({ Regions: ['us-east-1', 'eu-central-1'] })],
    });
  });

  it('carries the member stack inline: the forwarding rule, its role and dead-letter queue, and nothing else', () => {
    const { body, parsed } = stackSetTemplateBody(central);
    // TemplateBody's limit (CloudFormation StackSet resource reference).
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(51_200);
    const types = Object.values(parsed.toJSON().Resources as Record<string, { Type: string }>)
      .map((resource) => resource.Type)
      .sort();
    expect(types).toEqual(['AWS::Events::Rule', 'AWS::IAM::Role', 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy']);
    parsed.hasResourceProperties('AWS::Events::Rule', {
      Name: 'denyscope-forward-denials',
      Targets: [Match.objectLike({ Arn: { Ref: 'CentralEventBusArn' } })],
    });
  });

  it('carries no asset, no bootstrap-version check and no parameter but the central bus', () => {
    const { parsed } = stackSetTemplateBody(central);
    const json = parsed.toJSON();
    expect(Object.keys(json.Parameters)).toEqual(['CentralEventBusArn']);
    expect(json.Rules).toBeUndefined();
    expect(JSON.stringify(json)).not.toMatch(/BootstrapVersion|cdk-bootstrap|AssetParameters|cdk-hnb659fds|aws:asset:/);
    for (const [name, props] of [
      ['member', ORGANIZATION],
      ['every service', { ...ORGANIZATION, services: '*' as const }],
    ] as const) {
      const body = stackSetTemplateBody(synthStack(props).template).parsed.toJSON();
      expect({ name, parameters: Object.keys(body.Parameters) }).toEqual({ name, parameters: ['CentralEventBusArn'] });
    }
  });

  it('is the same template as the member stack that the management account deploys with cdk deploy', () => {
    const { parsed } = stackSetTemplateBody(central);
    const strip = (template: Template) =>
      JSON.parse(
        JSON.stringify(template.toJSON(), (key, value) =>
          key === 'Metadata' || key === 'CDKMetadata' || key === 'Conditions' ? undefined : value,
        ),
      );
    expect(strip(parsed).Resources).toEqual(strip(memberTemplate).Resources);
  });
});

describe('member stack', () => {
  it('has one rule on the default bus, in the read-only state, sending to the central bus through its role, with a dead-letter queue', () => {
    memberTemplate.resourceCountIs('AWS::Events::Rule', 1);
    memberTemplate.hasResourceProperties('AWS::Events::Rule', {
      Name: 'denyscope-forward-denials',
      EventBusName: Match.absent(),
      State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
      EventPattern: {
        $or: [
          Match.objectLike({
            source: ['aws.dynamodb'],
            'detail-type': ['AWS API Call via CloudTrail', 'AWS Network Activity Event via CloudTrail'],
          }),
          Match.objectLike({ source: ['aws.dynamodb'], detail: { errorCode: ['ValidationException'], errorMessage: [{ prefix: 'KMS' }] } }),
          Match.objectLike({ source: ['aws.kms'], 'detail-type': ['AWS API Call via CloudTrail'] }),
        ],
      },
      Targets: [
        Match.exact({
          Id: Match.anyValue(),
          Arn: { Ref: 'CentralEventBusArn' },
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ForwardingRole'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ForwardingDeadLetterQueue'), 'Arn'] } },
        }),
      ],
    });
  });

  it('gives its role to EventBridge for this rule only, and lets it put events on the central bus only', () => {
    memberTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.exact({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              ArnEquals: { 'aws:SourceArn': forwardingRuleArn },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          }),
        ],
      },
      ManagedPolicyArns: Match.absent(),
      Policies: [
        {
          PolicyName: Match.anyValue(),
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [Match.exact({ Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'CentralEventBusArn' } })],
          },
        },
      ],
    });
    memberTemplate.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it('takes the central bus ARN as a checked parameter', () => {
    memberTemplate.hasParameter('CentralEventBusArn', { Type: 'String', AllowedPattern: Match.stringLikeRegexp('event-bus') });
    const pattern = new RegExp(memberTemplate.toJSON().Parameters.CentralEventBusArn.AllowedPattern);
    expect(pattern.test('arn:aws:events:eu-west-1:111122223333:event-bus/denyscope-denials')).toBe(true);
    expect(pattern.test('arn:aws:sqs:eu-west-1:111122223333:denials')).toBe(false);
  });

  it('encrypts its dead-letter queue (SSE-SQS), requires TLS and lets only the forwarding rule send to it', () => {
    memberTemplate.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    memberTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': forwardingRuleArn } },
          }),
        ],
      },
    });
  });

  it('has no bootstrap-version check when deployed by cdk deploy either, and refuses assets', () => {
    const json = memberTemplate.toJSON();
    expect(json.Parameters.BootstrapVersion).toBeUndefined();
    expect(json.Rules).toBeUndefined();
    const { stack } = buildMemberStack();
    expect(() => new s3assets.Asset(stack, 'Asset', { path: path.join(__dirname, 'stack-fixture.ts') })).toThrow(/cannot hold file assets/);
  });
});

describe('central stack: trail', () => {
  // CDK merges a literal account with the text around it.
  const trailArn = (account: string | { Ref: string }) => ({
    'Fn::Join': [
      '',
      Match.arrayWith(
        typeof account === 'string'
          ? [':cloudtrail:', { Ref: 'AWS::Region' }, Match.stringLikeRegexp(`^:${account}:trail/.+-Trail$`)]
          : [':cloudtrail:', { Ref: 'AWS::Region' }, ':', account, Match.stringLikeRegexp(':trail/.+-Trail$')],
      ),
    ],
  });

  it('keeps the account trail without organizationTrail', () => {
    central.hasResourceProperties('AWS::CloudTrail::Trail', { IsOrganizationTrail: Match.absent() });
  });

  it("creates an organization trail owned by this (management) account with stackSetCallAs=SELF: bucket under AWSLogs/o-ORG/ and the trail owner's prefix, key context of the owner", () => {
    const trail = synthStack({ ...ORGANIZATION, organizationTrail: true }).template;
    trail.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsOrganizationTrail: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
    });
    const ownerIsThisAccount = trailArn({ Ref: 'AWS::AccountId' });
    trail.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/AWSLogs/', { Ref: 'AWS::AccountId' }, '/*']] },
            Condition: { StringEquals: { 'aws:SourceArn': ownerIsThisAccount, 's3:x-amz-acl': 'bucket-owner-full-control' } },
          }),
          Match.objectLike({
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), `/AWSLogs/${ORGANIZATION_ID}/*`]] },
            Condition: { StringEquals: { 'aws:SourceArn': ownerIsThisAccount, 's3:x-amz-acl': 'bucket-owner-full-control' } },
          }),
        ]),
      },
    });
    trail.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('CloudTrail log files'),
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:GenerateDataKey*',
            Condition: {
              StringEquals: { 'aws:SourceArn': ownerIsThisAccount },
              StringLike: {
                'kms:EncryptionContext:aws:cloudtrail:arn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:*:', { Ref: 'AWS::AccountId' }, ':trail/*']],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('names the management account in the trail ARN, bucket prefix and key context when a delegated administrator creates the trail', () => {
    const management = '999988887777';
    const delegated = synthStack({
      ...ORGANIZATION,
      organizationTrail: true,
      stackSetCallAs: 'DELEGATED_ADMIN',
      managementAccountId: management,
    }).template;
    const ownerIsManagement = trailArn(management);
    delegated.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:GetBucketAcl', Condition: { StringEquals: { 'aws:SourceArn': ownerIsManagement } } }),
          Match.objectLike({ Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [Match.anyValue(), `/AWSLogs/${management}/*`]] } }),
          Match.objectLike({ Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [Match.anyValue(), `/AWSLogs/${ORGANIZATION_ID}/*`]] } }),
        ]),
      },
    });
    delegated.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('CloudTrail log files'),
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:GenerateDataKey*',
            Condition: {
              StringEquals: { 'aws:SourceArn': ownerIsManagement },
              StringLike: {
                'kms:EncryptionContext:aws:cloudtrail:arn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudtrail:*:${management}:trail/*`]],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('selects the named tables of every account and Region by name (EndsWith), and no stream', () => {
    const named = synthStack({ ...ORGANIZATION, organizationTrail: true, dataEventTables: ['orders', 'users'] }).template;
    named.hasResourceProperties('AWS::CloudTrail::Trail', {
      AdvancedEventSelectors: [
        { Name: Match.anyValue(), FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
        {
          Name: Match.anyValue(),
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::DynamoDB::Table'] },
            { Field: 'resources.ARN', EndsWith: [':table/orders', ':table/users'] },
          ],
        },
      ],
    });
  });
});

describe('moving from the single-account stack', () => {
  it('keeps every resource of the single-account stack under the same logical id (cdk deploy of the same stack is an update in place)', () => {
    const account = Object.entries(synthStack({}).template.toJSON().Resources as Record<string, { Type: string }>).map(
      ([id, resource]) => `${id} ${resource.Type}`,
    );
    const organization = new Set(
      Object.entries(central.toJSON().Resources as Record<string, { Type: string }>).map(([id, resource]) => `${id} ${resource.Type}`),
    );
    expect(account.filter((resource) => !organization.has(resource))).toEqual([]);
  });

  it('uses the retained table and its key of another stack: no table, no table key, the Lambda allowed on both', () => {
    const tableArn = 'arn:aws:dynamodb:eu-west-1:111122223333:table/Denyscope-AlertsIncidentStoreTable-1A2B3C';
    const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const reused = synthStack({ ...ORGANIZATION, existingIncidentsTableArn: tableArn, existingIncidentsTableKeyArn: keyArn }).template;
    reused.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(reused.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('incidents table') } })).toEqual({});
    reused.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [HANDLER_ENV.incidentsTableName]: 'Denyscope-AlertsIncidentStoreTable-1A2B3C' }) },
    });
    reused.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'IncidentsTable', Resource: tableArn }),
          Match.objectLike({
            Sid: 'IncidentsTableKey',
            Resource: keyArn,
            Condition: {
              StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            },
          }),
          Match.objectLike({ Sid: 'IncidentsTableKeyGrants', Resource: keyArn }),
        ]),
      },
    });
  });
});
