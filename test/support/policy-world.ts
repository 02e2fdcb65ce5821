import type { StandInAuthorizationRecord, StandInWorld } from './aws-standin';

/** One account's policies as the AWS stand-in serves them, shared by the policy-source and `policies capture` tests. */
export const ACCOUNT = '111122223333';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/service/app`;
export const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/dev`;
export const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/Orders`;
export const INDEX_ARN = `${TABLE_ARN}/index/byCustomer`;
export const STREAM_ARN = `${TABLE_ARN}/stream/2026-01-01T00:00:00.000`;
export const AUDIT_TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/Audit`;
export const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const VPC_ENDPOINT = 'vpce-0a1b2c3d4e5f67890';
export const ORDERS_RW_ARN = `arn:aws:iam::${ACCOUNT}:policy/orders-rw`;
export const DENY_DELETES_ARN = `arn:aws:iam::${ACCOUNT}:policy/deny-deletes`;
export const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/boundary`;
export const AWS_MANAGED_ARN = 'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess';

const allow = (sid: string, action: string | string[], resource = '*') => ({
  Version: '2012-10-17',
  Statement: [{ Sid: sid, Effect: 'Allow', Action: action, Resource: resource }],
});

// Characters a URL encoding must carry through: spaces, %, +, quotes, unicode.
export const INLINE_DOCUMENT = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Extra 100% + "quoted" é',
      Effect: 'Allow',
      Action: 'dynamodb:Query',
      Resource: TABLE_ARN,
      Condition: { StringLike: { 'aws:userid': 'AROA*:a b' } },
    },
  ],
};
export const ORDERS_RW_V1 = allow('OrdersV1', 'dynamodb:*', TABLE_ARN);
export const ORDERS_RW_V2 = allow('OrdersV2', ['dynamodb:GetItem', 'dynamodb:PutItem'], TABLE_ARN);
export const DENY_DELETES = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'NoDeletes', Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: '*' }],
};

/**
 * AWS's authorization record of the role's denied DeleteItem (GetRequestAuthorizationDetails, one page): the explicit
 * deny of DENY_DELETES's statement NoDeletes, with that policy captured.
 */
export const DENIED_DELETE_RECORD: StandInAuthorizationRecord = {
  pages: [
    {
      requestContext: {},
      policies: [{ type: 'IDENTITY_BASED_POLICY', inline: false, uri: DENY_DELETES_ARN, attachedTo: [{ arn: ROLE_ARN }] }],
      evaluations: [
        {
          action: 'dynamodb:DeleteItem',
          resource: TABLE_ARN,
          evaluatedEffect: 'EXPLICIT_DENY',
          matchedPolicies: [{ uri: DENY_DELETES_ARN, matchedStatements: [{ sid: 'NoDeletes', evaluatedEffect: 'DENY' }] }],
        },
      ],
    },
  ],
  policies: { [DENY_DELETES_ARN]: DENY_DELETES },
};
export const BOUNDARY = allow('Boundary', 'dynamodb:*');
export const AWS_MANAGED = allow('ReadOnly', ['dynamodb:GetItem', 'dynamodb:Query']);
export const DEVS_INLINE = allow('Devs', 'dynamodb:Scan');
export const TABLE_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'TableAccess', Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: 'dynamodb:GetItem', Resource: TABLE_ARN }],
};
export const STREAM_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'StreamRead', Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: 'dynamodb:GetRecords', Resource: STREAM_ARN }],
};
export const KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
};
export const ENDPOINT_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'EndpointAccess', Effect: 'Allow', Principal: '*', Action: 'dynamodb:*', Resource: TABLE_ARN }],
};
export const FULL_AWS_ACCESS = allow('FullAWSAccess', '*');
export const DENY_REGIONS = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyOutsideEU',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } },
    },
  ],
};
export const DENY_STAGING_TABLES = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: 'dynamodb:DeleteTable', Resource: '*' }],
};
export const RCP_DENY_EXTERNAL = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OrgOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 'dynamodb:*',
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc123' } },
    },
  ],
};
export const GRANTS = [
  {
    granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/service/app`,
    operations: ['Decrypt', 'Encrypt'],
    constraints: { EncryptionContextSubset: { 'aws:dynamodb:tableName': 'Orders', 'aws:dynamodb:subscriberId': ACCOUNT } },
  },
  { granteePrincipal: 'dynamodb.eu-west-1.amazonaws.com', operations: ['GenerateDataKey'] },
  { granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/other`, operations: ['Decrypt'] },
];

export const WORLD: StandInWorld = {
  accountId: ACCOUNT,
  roles: {
    app: {
      path: '/service/',
      inline: { 'orders-extra': INLINE_DOCUMENT },
      attached: [ORDERS_RW_ARN, DENY_DELETES_ARN, AWS_MANAGED_ARN],
      boundary: BOUNDARY_ARN,
      tags: { team: 'orders', env: 'prod', 'cost center': 'a&b <1>' },
    },
  },
  users: { dev: { groups: ['devs', 'ops', 'readers'], tags: {} } },
  groups: { devs: { inline: { 'devs-inline': DEVS_INLINE } }, ops: { attached: [DENY_DELETES_ARN] }, readers: {} },
  managedPolicies: {
    [ORDERS_RW_ARN]: { defaultVersion: 'v2', versions: { v1: ORDERS_RW_V1, v2: ORDERS_RW_V2 } },
    [DENY_DELETES_ARN]: { defaultVersion: 'v1', versions: { v1: DENY_DELETES } },
    [BOUNDARY_ARN]: { defaultVersion: 'v3', versions: { v3: BOUNDARY } },
    [AWS_MANAGED_ARN]: { defaultVersion: 'v7', versions: { v7: AWS_MANAGED } },
  },
  tables: {
    [TABLE_ARN]: {
      keySchema: [
        { name: 'sk', type: 'RANGE' },
        { name: 'pk', type: 'HASH' },
      ],
      kmsKeyArn: KEY_ARN,
      policy: TABLE_POLICY,
      tags: { team: 'orders', data: 'pii', tier: '1' },
      streamArn: STREAM_ARN,
      streamPolicy: STREAM_POLICY,
    },
    [AUDIT_TABLE_ARN]: { keySchema: [{ name: 'id', type: 'HASH' }] },
  },
  keys: { [KEY_ARN]: { policy: KEY_POLICY, state: 'Enabled', grants: GRANTS } },
  vpcEndpoints: { [VPC_ENDPOINT]: { policy: ENDPOINT_POLICY } },
  organization: {
    id: 'o-abc123',
    managementAccountId: '999988887777',
    parents: { [ACCOUNT]: 'ou-ab12-22222222', 'ou-ab12-22222222': 'ou-ab12-11111111', 'ou-ab12-11111111': 'r-ab12' },
    policies: {
      'p-FullAWSAccess': { name: 'FullAWSAccess', type: 'SERVICE_CONTROL_POLICY', document: FULL_AWS_ACCESS },
      'p-denyregions': { name: 'deny-regions', type: 'SERVICE_CONTROL_POLICY', document: DENY_REGIONS },
      'p-denystaging': { name: 'deny-staging', type: 'SERVICE_CONTROL_POLICY', document: DENY_STAGING_TABLES },
      'p-rcporgonly': { name: 'org-only', type: 'RESOURCE_CONTROL_POLICY', document: RCP_DENY_EXTERNAL },
    },
    attachments: {
      'r-ab12': ['p-FullAWSAccess', 'p-rcporgonly'],
      'ou-ab12-11111111': ['p-FullAWSAccess'],
      'ou-ab12-22222222': ['p-FullAWSAccess', 'p-denyregions', 'p-denystaging'],
      [ACCOUNT]: ['p-FullAWSAccess'],
    },
  },
};

const scpArn = (id: string) => `arn:aws:organizations::999988887777:policy/o-abc123/service_control_policy/${id}`;
const rcpArn = (id: string) => `arn:aws:organizations::999988887777:policy/o-abc123/resource_control_policy/${id}`;
const fullAwsAccess = { id: 'p-FullAWSAccess', name: 'FullAWSAccess', arn: scpArn('p-FullAWSAccess'), document: FULL_AWS_ACCESS };

/** What a complete capture of WORLD holds for each thing, written out from WORLD by hand (not by the code under test). */
export const EXPECTED = {
  role: {
    policies: [
      { name: 'orders-extra', arn: null, document: INLINE_DOCUMENT },
      { name: 'orders-rw', arn: ORDERS_RW_ARN, document: ORDERS_RW_V2 },
      { name: 'deny-deletes', arn: DENY_DELETES_ARN, document: DENY_DELETES },
      { name: 'AmazonDynamoDBReadOnlyAccess', arn: AWS_MANAGED_ARN, document: AWS_MANAGED },
    ],
    permissionsBoundary: { arn: BOUNDARY_ARN, document: BOUNDARY },
    tags: { team: 'orders', env: 'prod', 'cost center': 'a&b <1>' },
  },
  user: {
    policies: [],
    permissionsBoundary: null,
    tags: {},
    groups: [
      { name: 'devs', arn: `arn:aws:iam::${ACCOUNT}:group/devs`, policies: [{ name: 'devs-inline', arn: null, document: DEVS_INLINE }] },
      {
        name: 'ops',
        arn: `arn:aws:iam::${ACCOUNT}:group/ops`,
        policies: [{ name: 'deny-deletes', arn: DENY_DELETES_ARN, document: DENY_DELETES }],
      },
      { name: 'readers', arn: `arn:aws:iam::${ACCOUNT}:group/readers`, policies: [] },
    ],
  },
  table: { policy: TABLE_POLICY, tags: { team: 'orders', data: 'pii', tier: '1' }, keySchema: ['pk', 'sk'], kmsKeyArn: KEY_ARN },
  stream: { policy: STREAM_POLICY },
  auditTable: { policy: null, tags: {}, keySchema: ['id'], kmsKeyArn: null },
  key: {
    policy: KEY_POLICY,
    state: 'Enabled',
    grants: [
      {
        granteePrincipal: GRANTS[0].granteePrincipal,
        operations: ['Decrypt', 'Encrypt'],
        constraints: { encryptionContextSubset: { 'aws:dynamodb:tableName': 'Orders', 'aws:dynamodb:subscriberId': ACCOUNT } },
        grantId: 'grant-0',
        name: null,
      },
      {
        granteePrincipal: 'dynamodb.eu-west-1.amazonaws.com',
        operations: ['GenerateDataKey'],
        constraints: null,
        grantId: 'grant-1',
        name: null,
      },
      {
        granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/other`,
        operations: ['Decrypt'],
        constraints: null,
        grantId: 'grant-2',
        name: null,
      },
    ],
  },
  vpcEndpoint: { policy: ENDPOINT_POLICY },
  organization: {
    id: 'o-abc123',
    managementAccountId: '999988887777',
    accounts: { [ACCOUNT]: ['r-ab12', 'ou-ab12-11111111', 'ou-ab12-22222222'] },
    serviceControlPolicies: {
      'r-ab12': [fullAwsAccess],
      'ou-ab12-11111111': [fullAwsAccess],
      'ou-ab12-22222222': [
        fullAwsAccess,
        { id: 'p-denyregions', name: 'deny-regions', arn: scpArn('p-denyregions'), document: DENY_REGIONS },
        { id: 'p-denystaging', name: 'deny-staging', arn: scpArn('p-denystaging'), document: DENY_STAGING_TABLES },
      ],
      [ACCOUNT]: [fullAwsAccess],
    },
    resourceControlPolicies: {
      'r-ab12': [{ id: 'p-rcporgonly', name: 'org-only', arn: rcpArn('p-rcporgonly'), document: RCP_DENY_EXTERNAL }],
      'ou-ab12-11111111': [],
      'ou-ab12-22222222': [],
      [ACCOUNT]: [],
    },
  },
};

/** The environment a user would set to point the AWS SDK at a local stand-in, with placeholder credentials. */
export function standInEnvironment(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
