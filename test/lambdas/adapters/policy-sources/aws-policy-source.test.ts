import { AwsPolicySource } from '../../../../lambdas/adapters/policy-sources/aws-policy-source';
import { NO_NEEDS } from '../../../../core/policy/needs';
import { parsePolicyStore } from '../../../../core/policy/store';
import type { EvidenceNeeds } from '../../../../core/policy/ports';
import { startAwsStandIn, type AwsStandIn, type StandInWorld } from '../../../support/aws-standin';
import {
  ACCOUNT,
  AUDIT_TABLE_ARN,
  DENY_DELETES,
  DENY_DELETES_ARN,
  EXPECTED,
  INDEX_ARN,
  KEY_ARN,
  ORDERS_RW_V2,
  ROLE_ARN,
  standInEnvironment,
  STREAM_ARN,
  TABLE_ARN,
  USER_ARN,
  VPC_ENDPOINT,
  WORLD,
} from '../../../support/policy-world';

// The real SDK clients against a local server answering AWS's wire formats, configured as a user would:
// AWS_ENDPOINT_URL and credentials in the environment.
const savedEnvironment = { ...process.env };
let standIn: AwsStandIn;
let source: AwsPolicySource;

async function startWith(world: StandInWorld, options: ConstructorParameters<typeof AwsPolicySource>[0] = {}): Promise<void> {
  standIn = await startAwsStandIn(world);
  Object.assign(process.env, standInEnvironment(standIn.endpoint));
  source = new AwsPolicySource({ maxAttempts: 3, ...options });
}

afterEach(async () => {
  source?.destroy();
  await standIn?.stop();
  process.env = { ...savedEnvironment };
});

const needs = (partial: Partial<EvidenceNeeds>): EvidenceNeeds => ({ ...NO_NEEDS, ...partial });

describe('a complete read', () => {
  it('a role: inline and attached policies at their default version (URL-decoded), boundary, tags; every list paginated', async () => {
    await startWith(WORLD);
    const result = await source.read(needs({ principals: [ROLE_ARN] }));

    expect(result.missingPolicies).toEqual([]);
    expect(result.store).toEqual({
      format: 'denyscope-policies/1',
      capturedAt: expect.any(String),
      principals: { [ROLE_ARN]: EXPECTED.role },
    });
    // orders-rw's default is v2: v1 (a version that is not the default) is never read.
    const ordersVersions = standIn
      .requestsFor('iam', 'GetPolicyVersion')
      .filter((request) => request.parameters.includes('policy/orders-rw'));
    expect(ordersVersions.map((request) => new URLSearchParams(request.body).get('VersionId'))).toEqual(['v2']);
    // Three attached policies and three tags come in two pages each.
    expect(standIn.requestsFor('iam', 'ListAttachedRolePolicies')).toHaveLength(2);
    expect(standIn.requestsFor('iam', 'ListRoleTags')).toHaveLength(2);
  });

  it('a user: its groups (paginated), each with inline and attached policies; a known-empty boundary and tags', async () => {
    await startWith(WORLD);
    const result = await source.read(needs({ principals: [USER_ARN] }));
    expect(result.missingPolicies).toEqual([]);
    expect(result.store.principals).toEqual({ [USER_ARN]: EXPECTED.user });
    expect(standIn.requestsFor('iam', 'ListGroupsForUser')).toHaveLength(2);
  });

  it('a table through its index ARN, its stream, its KMS key found by DescribeTable, a table without a policy, a VPC endpoint', async () => {
    await startWith(WORLD);
    const result = await source.read(
      needs({ resources: [INDEX_ARN, STREAM_ARN, AUDIT_TABLE_ARN], vpcEndpoints: [{ id: VPC_ENDPOINT, region: 'eu-west-1' }] }),
    );
    expect(result.missingPolicies).toEqual([]);
    expect(result.store).toEqual({
      format: 'denyscope-policies/1',
      capturedAt: expect.any(String),
      resources: { [TABLE_ARN]: EXPECTED.table, [STREAM_ARN]: EXPECTED.stream, [AUDIT_TABLE_ARN]: EXPECTED.auditTable },
      keys: { [KEY_ARN]: EXPECTED.key },
      vpcEndpoints: { [VPC_ENDPOINT]: EXPECTED.vpcEndpoint },
    });
    expect(standIn.requestsFor('kms', 'ListGrants')).toHaveLength(2);
    expect(
      standIn.requestsFor('dynamodb', 'ListTagsOfResource').filter((request) => request.parameters.includes('table/Orders')),
    ).toHaveLength(2);
  });

  it('the organization: the account path up to the root, SCPs and RCPs at every level (paginated)', async () => {
    await startWith(WORLD);
    const result = await source.read(needs({ accounts: [ACCOUNT] }));
    expect(result.missingPolicies).toEqual([]);
    expect(result.store.organization).toEqual(EXPECTED.organization);
    expect(standIn.requestsFor('organizations', 'ListParents')).toHaveLength(3);
    // FullAWSAccess is attached at four levels and described once.
    expect(
      standIn.requestsFor('organizations', 'DescribePolicy').filter((request) => request.parameters.includes('p-FullAWSAccess')),
    ).toHaveLength(1);
  });

  it('reads each thing once per run: a managed policy shared by a role and a group, and a second read of the same needs', async () => {
    await startWith(WORLD);
    await source.read(needs({ principals: [ROLE_ARN, USER_ARN] }));
    const policyReads = standIn.requestsFor('iam', 'GetPolicy').filter((request) => request.parameters.includes(DENY_DELETES_ARN));
    expect(policyReads).toHaveLength(1);
    const before = standIn.requests.length;
    const again = await source.read(needs({ principals: [ROLE_ARN, USER_ARN] }));
    expect(standIn.requests.length).toBe(before);
    expect(again.store.principals?.[ROLE_ARN]).toEqual(EXPECTED.role);
  });

  it('reads again once the cache TTL has passed (a warm Lambda)', async () => {
    let now = Date.parse('2026-11-27T10:00:00Z');
    await startWith(WORLD, { cacheTtlMs: 60_000, now: () => now });
    await source.read(needs({ keys: [KEY_ARN] }));
    now += 30_000;
    await source.read(needs({ keys: [KEY_ARN] }));
    expect(standIn.requestsFor('kms', 'GetKeyPolicy')).toHaveLength(1);
    now += 60_000;
    await source.read(needs({ keys: [KEY_ARN] }));
    expect(standIn.requestsFor('kms', 'GetKeyPolicy')).toHaveLength(2);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    await startWith(WORLD, { concurrency: 2 });
    await source.read(needs({ principals: [ROLE_ARN, USER_ARN], resources: [TABLE_ARN], accounts: [ACCOUNT] }));
    expect(standIn.requests.length).toBeGreaterThan(20);
    expect(standIn.maxInFlight).toBeLessThanOrEqual(2);
  });
});

it('a complete capture is a valid denyscope-policies/1 store (the store parser accepts it)', async () => {
  await startWith(WORLD);
  const result = await source.read(
    needs({
      principals: [ROLE_ARN, USER_ARN],
      resources: [TABLE_ARN, STREAM_ARN, AUDIT_TABLE_ARN],
      vpcEndpoints: [{ id: VPC_ENDPOINT, region: 'eu-west-1' }],
      accounts: [ACCOUNT],
    }),
  );
  expect(result.missingPolicies).toEqual([]);
  const store = parsePolicyStore(JSON.stringify(result.store));
  expect(store.principals.get(ROLE_ARN)?.policies?.map((policy) => policy.name)).toEqual([
    'orders-extra',
    'orders-rw',
    'deny-deletes',
    'AmazonDynamoDBReadOnlyAccess',
  ]);
  expect(store.keys.get(KEY_ARN)?.grants?.[0].constraints?.encryptionContextSubset).toEqual({
    'aws:dynamodb:tableName': 'Orders',
    'aws:dynamodb:subscriberId': ACCOUNT,
  });
  expect(store.organization?.managementAccountId).toBe('999988887777');
});

describe('what cannot be read: one missingPolicies line each, never a rejection', () => {
  it('a principal that no longer exists (NoSuchEntity): one line, no entry', async () => {
    await startWith(WORLD);
    const gone = `arn:aws:iam::${ACCOUNT}:role/deleted`;
    const result = await source.read(needs({ principals: [gone] }));
    expect(result.missingPolicies).toEqual([`principal ${gone}: does not exist (NoSuchEntityException)`]);
    expect(result.store.principals).toBeUndefined();
  });

  it('AccessDenied on one read costs only that part: the policy list is left out (unknown), the rest is kept', async () => {
    await startWith(WORLD);
    standIn.fail({ service: 'iam', operation: 'ListRolePolicies', fault: 'AccessDenied' });
    const result = await source.read(needs({ principals: [ROLE_ARN] }));
    expect(result.missingPolicies).toEqual([`identity policies of ${ROLE_ARN}: access denied (iam:ListRolePolicies)`]);
    expect(result.store.principals?.[ROLE_ARN]).toEqual({
      permissionsBoundary: EXPECTED.role.permissionsBoundary,
      tags: EXPECTED.role.tags,
    });
  });

  it('AccessDenied on GetRole: only the boundary is unknown', async () => {
    await startWith(WORLD);
    standIn.fail({ service: 'iam', operation: 'GetRole', fault: 'AccessDenied' });
    const result = await source.read(needs({ principals: [ROLE_ARN] }));
    expect(result.missingPolicies).toEqual([`permissions boundary of ${ROLE_ARN}: access denied (iam:GetRole)`]);
    expect(result.store.principals?.[ROLE_ARN]).toEqual({ policies: EXPECTED.role.policies, tags: EXPECTED.role.tags });
  });

  it('throttled on every attempt: the SDK retries with back-off, then the part is named', async () => {
    await startWith(WORLD);
    standIn.fail({ service: 'kms', operation: 'GetKeyPolicy', fault: 'Throttling' });
    const result = await source.read(needs({ keys: [KEY_ARN] }));
    expect(standIn.requestsFor('kms', 'GetKeyPolicy')).toHaveLength(3);
    expect(result.missingPolicies).toEqual([`key policy of ${KEY_ARN}: throttled (ThrottlingException) after 3 attempts`]);
    expect(result.store.keys).toEqual({ [KEY_ARN]: { state: 'Enabled', grants: EXPECTED.key.grants } });
  });

  it('throttled once (IAM query protocol): the SDK retry reads it', async () => {
    await startWith(WORLD);
    standIn.fail({ service: 'iam', operation: 'GetPolicyVersion', matching: 'orders-rw', fault: 'Throttling', times: 1 });
    const result = await source.read(needs({ principals: [ROLE_ARN] }));
    expect(result.missingPolicies).toEqual([]);
    expect(result.store.principals?.[ROLE_ARN]?.policies).toContainEqual({
      name: 'orders-rw',
      arn: expect.any(String),
      document: ORDERS_RW_V2,
    });
  });

  it('not the management account: Organizations denies, and the line says where to read from', async () => {
    await startWith(WORLD);
    standIn.fail({ service: 'organizations', operation: 'ListParents', fault: 'NotManagementAccount' });
    const result = await source.read(needs({ accounts: [ACCOUNT] }));
    expect(result.missingPolicies).toEqual([
      `organization path of account ${ACCOUNT}: access denied (organizations:ListParents): read from the organization's management account or a delegated administrator (--org-role ARN)`,
    ]);
    expect(result.store.organization).toBeUndefined();
  });

  it('an account outside any organization', async () => {
    await startWith({ ...WORLD, organization: undefined });
    const result = await source.read(needs({ accounts: [ACCOUNT] }));
    expect(result.missingPolicies).toEqual([`organization path of account ${ACCOUNT}: the account is not in an organization`]);
  });

  it('an SCP target that cannot be listed: that level only', async () => {
    await startWith(WORLD);
    standIn.fail({
      service: 'organizations',
      operation: 'ListPoliciesForTarget',
      matching: '"TargetId":"ou-ab12-22222222","Filter":"SERVICE_CONTROL_POLICY"',
      fault: 'AccessDenied',
    });
    const result = await source.read(needs({ accounts: [ACCOUNT] }));
    expect(result.missingPolicies).toEqual([
      "service control policies of ou-ab12-22222222: access denied (organizations:ListPoliciesForTarget): read from the organization's management account or a delegated administrator (--org-role ARN)",
    ]);
    expect(Object.keys(result.store.organization?.serviceControlPolicies ?? {}).sort()).toEqual([ACCOUNT, 'ou-ab12-11111111', 'r-ab12']);
  });

  it('a table, key and endpoint that do not exist', async () => {
    await startWith(WORLD);
    const table = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/Gone`;
    const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;
    const result = await source.read(
      needs({ resources: [table], keys: [key], vpcEndpoints: [{ id: 'vpce-00000000000000000', region: 'eu-west-1' }] }),
    );
    expect(result.missingPolicies).toEqual([
      `VPC endpoint policy of vpce-00000000000000000: does not exist (InvalidVpcEndpointId.NotFound)`,
      `grants of ${key}: does not exist (NotFoundException)`,
      `key policy of ${key}: does not exist (NotFoundException)`,
      `key schema and KMS key of ${table}: does not exist (ResourceNotFoundException)`,
      `key state of ${key}: does not exist (NotFoundException)`,
      `resource-based policy of ${table}: does not exist (ResourceNotFoundException)`,
      `tags of ${table}: does not exist (ResourceNotFoundException)`,
    ]);
  });

  it('EC2 access denied (UnauthorizedOperation)', async () => {
    await startWith(WORLD);
    standIn.fail({ service: 'ec2', operation: 'DescribeVpcEndpoints', fault: 'AccessDenied' });
    const result = await source.read(needs({ vpcEndpoints: [{ id: VPC_ENDPOINT, region: 'eu-west-1' }] }));
    expect(result.missingPolicies).toEqual([`VPC endpoint policy of ${VPC_ENDPOINT}: access denied (ec2:DescribeVpcEndpoints)`]);
  });

  it('an aborted read returns what is done and names what was still being read as timed out', async () => {
    await startWith(WORLD);
    // Far longer than the test's own timeout: the result can only come through the abort.
    standIn.delay('iam', 'ListRoleTags', 120_000);
    const controller = new AbortController();
    void standIn.received('iam', 'ListRoleTags').then(() => controller.abort());
    const result = await source.read(needs({ principals: [ROLE_ARN] }), { signal: controller.signal });
    expect(result.missingPolicies).toContain(`tags of ${ROLE_ARN}: timed out`);
    expect(result.store.principals?.[ROLE_ARN]?.tags).toBeUndefined();
  });

  it('no credentials anywhere: every part says so, nothing is thrown', async () => {
    await startWith(WORLD);
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    source = new AwsPolicySource({ maxAttempts: 1 });
    const result = await source.read(needs({ keys: [KEY_ARN] }));
    expect(result.missingPolicies).toHaveLength(3);
    for (const line of result.missingPolicies) expect(line).toMatch(/: no AWS credentials \(/);
  });
});

describe('--org-role: Organizations read through an assumed role', () => {
  it("assumes the role with STS and signs the Organizations calls with its credentials; other services keep the caller's", async () => {
    await startWith(WORLD, { organizationRoleArn: 'arn:aws:iam::999988887777:role/OrganizationReader' });
    const result = await source.read(needs({ accounts: [ACCOUNT], keys: [KEY_ARN] }));
    expect(result.missingPolicies).toEqual([]);
    expect(result.store.organization).toEqual(EXPECTED.organization);
    const assumed = standIn.requestsFor('sts', 'AssumeRole');
    expect(assumed).toHaveLength(1);
    expect(assumed[0].parameters).toContain('RoleArn=arn:aws:iam::999988887777:role/OrganizationReader');
    for (const request of standIn.requestsFor('organizations'))
      expect(request.headers.authorization).toContain('Credential=ASIAORGREADER/');
    for (const request of standIn.requestsFor('kms')) expect(request.headers.authorization).toContain('Credential=AKIDSTANDIN/');
  });

  it('a role that cannot be assumed is named on each organization line', async () => {
    await startWith(WORLD, { organizationRoleArn: 'arn:aws:iam::999988887777:role/OrganizationReader' });
    standIn.fail({ service: 'sts', operation: 'AssumeRole', fault: 'AccessDenied' });
    const result = await source.read(needs({ accounts: [ACCOUNT] }));
    expect(result.missingPolicies).toHaveLength(1);
    expect(result.missingPolicies).toEqual([
      `organization path of account ${ACCOUNT}: cannot assume arn:aws:iam::999988887777:role/OrganizationReader (access denied (sts:AssumeRole))`,
    ]);
  });
});

it('keeps the deny statement of a shared managed policy identical wherever it is attached', async () => {
  await startWith(WORLD);
  const result = await source.read(needs({ principals: [ROLE_ARN, USER_ARN] }));
  const fromRole = result.store.principals?.[ROLE_ARN]?.policies?.find((policy) => policy.arn === DENY_DELETES_ARN);
  const fromGroup = result.store.principals?.[USER_ARN]?.groups?.find((group) => group.name === 'ops')?.policies?.[0];
  expect(fromRole?.document).toEqual(DENY_DELETES);
  expect(fromGroup?.document).toEqual(DENY_DELETES);
});
