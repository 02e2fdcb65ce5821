import { principalOfArn, requestContextForCall } from '../../../core/policy/context';
import { evaluateRequest, type MessageClaim } from '../../../core/policy/evaluate';
import { parsePolicyStore, parseValidatedPolicyStore, type PolicyStore } from '../../../core/policy/store';
import type { PolicyEvaluation } from '../../../core/policy/types';

/**
 * The layered evaluation, one rule per test, each written from the AWS page named in its describe():
 * IAM User Guide "Policy evaluation logic" (reference_policies_evaluation-logic.html), "Cross-account policy evaluation
 * logic", "Permissions boundaries for IAM entities", AWS Organizations "SCP evaluation" / "RCP evaluation", AWS KMS
 * "Key policies" / "Grants in AWS KMS", AWS PrivateLink "Control access to VPC endpoints using endpoint policies".
 */

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const MANAGEMENT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`;
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const TABLE = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/Orders`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/k1`;
const OTHER_ROLE = `arn:aws:iam::${OTHER}:role/reader`;
const OTHER_SESSION = `arn:aws:sts::${OTHER}:assumed-role/reader/s2`;

type Statement = Record<string, unknown>;
const policy = (...statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], resource: string | string[] = '*', extra: Statement = {}): Statement => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...extra,
});
const deny = (action: string | string[], resource: string | string[] = '*', extra: Statement = {}): Statement => ({
  Effect: 'Deny',
  Action: action,
  Resource: resource,
  ...extra,
});
const named = (name: string, document: unknown) => ({ name, arn: `arn:aws:iam::${ACCOUNT}:policy/${name}`, document });
const scp = (id: string, document: unknown) => ({
  id,
  name: id,
  arn: `arn:aws:organizations::${MANAGEMENT}:policy/o-abc123/service_control_policy/${id}`,
  document,
});
const FULL_ACCESS = {
  id: 'p-FullAWSAccess',
  name: 'FullAWSAccess',
  arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
  document: policy(allow('*')),
};

/** A store where the app role may read Orders and nothing else stands in the way; each test changes one thing. */
function baseStore(): Record<string, any> {
  return {
    format: 'denyscope-policies/1',
    principals: {
      [ROLE]: { policies: [named('orders-read', policy(allow('dynamodb:GetItem', TABLE)))], permissionsBoundary: null, tags: {} },
      [OTHER_ROLE]: { policies: [named('reader', policy(allow('dynamodb:GetItem', TABLE)))], permissionsBoundary: null, tags: {} },
    },
    sessions: { [SESSION]: { policies: [] }, [OTHER_SESSION]: { policies: [] } },
    resources: { [TABLE]: { policy: null, tags: {} } },
    keys: {},
    vpcEndpoints: {},
    organization: {
      id: 'o-abc123',
      managementAccountId: MANAGEMENT,
      // OTHER is known to be outside the organization (null); an account not listed at all would be unknown.
      accounts: { [ACCOUNT]: ['r-ab12', 'ou-ab12-11111111', 'ou-ab12-22222222'], [MANAGEMENT]: ['r-ab12'], [OTHER]: null },
      serviceControlPolicies: {
        'r-ab12': [FULL_ACCESS],
        'ou-ab12-11111111': [FULL_ACCESS],
        'ou-ab12-22222222': [FULL_ACCESS],
        [ACCOUNT]: [FULL_ACCESS],
        [MANAGEMENT]: [FULL_ACCESS],
      },
      resourceControlPolicies: { 'r-ab12': [], 'ou-ab12-11111111': [], 'ou-ab12-22222222': [], [ACCOUNT]: [], [MANAGEMENT]: [] },
    },
  };
}

interface Call {
  readonly principal?: string;
  readonly action?: string;
  readonly resource?: string;
  readonly context?: Record<string, string | string[]>;
  readonly absent?: string[];
  readonly message?: MessageClaim;
}

function evaluate(store: Record<string, any>, call: Call = {}): PolicyEvaluation {
  const parsed = parsePolicyStore(store);
  const principal = principalOfArn(call.principal ?? SESSION, parsed);
  if (principal === null) throw new Error(`not a principal: ${call.principal}`);
  const context = new Map(Object.entries(call.context ?? {}).map(([key, value]) => [key, Array.isArray(value) ? value : [value]]));
  const request = requestContextForCall(
    {
      principal,
      action: call.action ?? 'dynamodb:GetItem',
      resource: call.resource ?? TABLE,
      context,
      absent: call.absent ?? ['aws:SourceVpce'],
      now: new Date('2026-11-20T10:00:00Z'),
    },
    parsed,
  );
  return evaluateRequest(request, parsed, call.message);
}

const layers = (evaluation: PolicyEvaluation) =>
  evaluation.missingAllow.map((entry) => (entry.target === null ? entry.policyType : `${entry.policyType}@${entry.target}`));
const denials = (evaluation: PolicyEvaluation) =>
  evaluation.deniedBy.map((entry) => `${entry.policyType}:${entry.sid ?? entry.statementIndex}`);

describe('the baseline store', () => {
  it('allows the call it was built for, with nothing missing', () => {
    expect(evaluate(baseStore())).toEqual({
      decision: 'allow',
      deniedBy: [],
      missingAllow: [],
      unresolvedKeys: [],
      missingPolicies: [],
      agreesWithMessage: null,
    });
  });
});

describe('IAM UG "Policy evaluation logic": an explicit deny in any policy wins', () => {
  it('a Deny in an identity policy beats the Allow beside it, and is reported with its statement and conditions', () => {
    const store = baseStore();
    store.principals[ROLE].policies.push(
      named(
        'guard',
        policy({
          Sid: 'NoReadsFromOutside',
          ...deny('dynamodb:*', '*', { Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'orders' } } }),
        }),
      ),
    );
    const evaluation = evaluate(store);
    expect(evaluation.decision).toBe('explicit-deny');
    expect(evaluation.deniedBy).toEqual([
      {
        policyType: 'identity-policy',
        policyArn: `arn:aws:iam::${ACCOUNT}:policy/guard`,
        policyName: 'guard',
        target: null,
        sid: 'NoReadsFromOutside',
        statementIndex: 0,
        statement: {
          Sid: 'NoReadsFromOutside',
          Effect: 'Deny',
          Action: 'dynamodb:*',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'orders' } },
        },
        conditions: [{ operator: 'StringNotEquals', key: 'aws:PrincipalTag/team', values: ['orders'], actual: null, result: true }],
      },
    ]);
  });

  it('lists every denying statement, in the order SCP (root → account), RCP, VPC endpoint, resource policy, boundary, session, identity', () => {
    const store = baseStore();
    const everything = deny('dynamodb:GetItem');
    const everyone = { ...everything, Principal: '*' };
    store.organization.serviceControlPolicies['r-ab12'].push(scp('p-root', policy({ Sid: 'root', ...everything })));
    store.organization.serviceControlPolicies[ACCOUNT].push(scp('p-acct', policy({ Sid: 'account', ...everything })));
    store.organization.serviceControlPolicies['ou-ab12-11111111'].push(scp('p-ou', policy({ Sid: 'ou', ...everything })));
    store.organization.resourceControlPolicies['ou-ab12-22222222'] = [{ id: 'p-rcp', document: policy({ Sid: 'rcp', ...everyone }) }];
    store.vpcEndpoints['vpce-1'] = { policy: policy(allow('*', '*', { Principal: '*' }), { Sid: 'endpoint', ...everyone }) };
    store.resources[TABLE].policy = policy({ Sid: 'table', ...everyone });
    store.principals[ROLE].permissionsBoundary = named('boundary', policy(allow('*'), { Sid: 'boundary', ...everything }));
    store.sessions[SESSION].policies = [{ name: 'session', arn: null, document: policy(allow('*'), { Sid: 'session', ...everything }) }];
    store.principals[ROLE].policies.push(named('guard', policy({ Sid: 'identity', ...everything })));
    const evaluation = evaluate(store, { context: { 'aws:SourceVpce': 'vpce-1' }, absent: [] });
    expect(denials(evaluation)).toEqual([
      'service-control-policy:root',
      'service-control-policy:ou',
      'service-control-policy:account',
      'resource-control-policy:rcp',
      'vpc-endpoint-policy:endpoint',
      'resource-policy:table',
      'permissions-boundary:boundary',
      'session-policy:session',
      'identity-policy:identity',
    ]);
    expect(evaluation.deniedBy.filter((entry) => entry.target !== null).map((entry) => entry.target)).toEqual([
      'r-ab12',
      'ou-ab12-11111111',
      ACCOUNT,
      'ou-ab12-22222222',
    ]);
  });

  it('NotAction with Deny denies every other action (IAM UG "NotAction")', () => {
    const store = baseStore();
    store.principals[ROLE].policies.push(
      named('only-iam', policy({ Sid: 'AllButIam', Effect: 'Deny', NotAction: 'iam:*', Resource: '*' })),
    );
    expect(denials(evaluate(store))).toEqual(['identity-policy:AllButIam']);
    expect(evaluate(store, { action: 'iam:ListRoles', resource: '*' }).deniedBy).toEqual([]);
  });

  it("a user's group policies are identity policies too", () => {
    const store = baseStore();
    store.principals[USER] = {
      policies: [named('alice', policy(allow('dynamodb:GetItem', TABLE)))],
      permissionsBoundary: null,
      tags: {},
      groups: [
        { name: 'humans', policies: [{ name: 'no-orders', arn: null, document: policy({ Sid: 'grp', ...deny('dynamodb:GetItem') }) }] },
      ],
    };
    expect(denials(evaluate(store, { principal: USER }))).toEqual(['identity-policy:grp']);
  });
});

describe('Organizations "SCP evaluation": every level from the root to the account must allow', () => {
  it('an OU level with no Allow for the action is reported alone, naming its policies', () => {
    const store = baseStore();
    store.organization.serviceControlPolicies['ou-ab12-11111111'] = [scp('p-s3only', policy(allow('s3:*')))];
    const evaluation = evaluate(store);
    expect(evaluation.decision).toBe('implicit-deny');
    expect(evaluation.missingAllow).toEqual([
      {
        policyType: 'service-control-policy',
        target: 'ou-ab12-11111111',
        policies: [`arn:aws:organizations::${MANAGEMENT}:policy/o-abc123/service_control_policy/p-s3only`],
      },
    ]);
  });

  it('a target mapped to [] has no SCP attached, so it allows nothing', () => {
    const store = baseStore();
    store.organization.serviceControlPolicies[ACCOUNT] = [];
    expect(layers(evaluate(store))).toEqual([`service-control-policy@${ACCOUNT}`]);
  });

  it('a level the store does not hold is unknown: it allows, and is named missing', () => {
    const store = baseStore();
    delete store.organization.serviceControlPolicies['ou-ab12-22222222'];
    const evaluation = evaluate(store);
    expect(evaluation.decision).toBe('allow');
    expect(evaluation.missingPolicies).toEqual(['service control policies of ou-ab12-22222222']);
  });

  it('SCPs do not restrict the management account\'s principals (Organizations "Service control policies")', () => {
    const store = baseStore();
    store.organization.serviceControlPolicies[MANAGEMENT] = [scp('p-denyall', policy(deny('*')))];
    const admin = `arn:aws:iam::${MANAGEMENT}:role/admin`;
    const audit = `arn:aws:dynamodb:eu-west-1:${MANAGEMENT}:table/Audit`;
    store.principals[admin] = { policies: [named('all', policy(allow('*')))], permissionsBoundary: null };
    store.resources[audit] = { policy: null };
    expect(evaluate(store, { principal: admin, resource: audit }).decision).toBe('allow');
  });

  it('SCPs do not restrict service-linked roles (path /aws-service-role/)', () => {
    const store = baseStore();
    store.organization.serviceControlPolicies['r-ab12'] = [scp('p-denyall', policy(deny('*'), allow('*')))];
    const linked = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication`;
    store.principals[linked] = { policies: [{ name: 'slr', arn: null, document: policy(allow('dynamodb:*')) }], permissionsBoundary: null };
    expect(evaluate(store, { principal: linked }).decision).toBe('allow');
    expect(evaluate(store).decision).toBe('explicit-deny');
  });

  it('an account the store lists as outside its organization (null): no SCP applies, aws:PrincipalOrgID is absent', () => {
    const store = baseStore();
    store.organization.serviceControlPolicies['r-ab12'] = [scp('p-denyall', policy(deny('*'), allow('*')))];
    store.resources[TABLE].policy = policy(
      allow('dynamodb:GetItem', TABLE, { Principal: { AWS: OTHER_ROLE }, Condition: { Null: { 'aws:PrincipalOrgID': 'true' } } }),
    );
    expect(evaluate(store, { principal: OTHER_SESSION })).toMatchObject({ decision: 'allow', missingPolicies: [] });
  });
  it('an account the store does not list is unknown: its SCP levels are named missing and aws:PrincipalOrgID is unresolved', () => {
    const store = baseStore();
    delete store.organization.accounts[OTHER];
    store.organization.serviceControlPolicies['r-ab12'] = [scp('p-denyall', policy(deny('*'), allow('*')))];
    store.resources[TABLE].policy = policy(
      allow('dynamodb:GetItem', TABLE, { Principal: { AWS: OTHER_ROLE }, Condition: { Null: { 'aws:PrincipalOrgID': 'true' } } }),
    );
    const evaluation = evaluate(store, { principal: OTHER_SESSION });
    expect(evaluation).toMatchObject({ decision: 'inconclusive', unresolvedKeys: ['aws:PrincipalOrgID'] });
    expect(evaluation.missingPolicies).toEqual([`organization path of account ${OTHER}`]);
  });
});

describe('Organizations "RCP evaluation": RCPFullAWSAccess cannot be detached, so only a Deny matters', () => {
  const perimeter = {
    id: 'p-perimeter',
    name: 'DataPerimeter',
    document: policy({
      Sid: 'Perimeter',
      ...deny('dynamodb:*', '*', { Principal: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc123' } } }),
    }),
  };

  it("an RCP Deny on the resource's account path denies a caller from outside the organization", () => {
    const store = baseStore();
    store.organization.resourceControlPolicies['r-ab12'] = [perimeter];
    store.resources[TABLE].policy = policy(allow('dynamodb:GetItem', TABLE, { Principal: { AWS: OTHER_ROLE } }));
    const evaluation = evaluate(store, {
      principal: OTHER_SESSION,
      message: { policyType: 'resource-control-policy', policyArn: null, denial: 'explicit' },
    });
    expect(evaluation).toMatchObject({ decision: 'explicit-deny', agreesWithMessage: true });
    expect(denials(evaluation)).toEqual(['resource-control-policy:Perimeter']);
    expect(evaluation.deniedBy[0].target).toBe('r-ab12');
  });

  it('an RCP level with no Allow statement is never a missing allow', () => {
    const store = baseStore();
    store.organization.resourceControlPolicies['r-ab12'] = [perimeter];
    expect(evaluate(store).decision).toBe('allow');
  });

  it("RCPs do not restrict the management account's resources", () => {
    const store = baseStore();
    const table = `arn:aws:dynamodb:eu-west-1:${MANAGEMENT}:table/Audit`;
    store.organization.resourceControlPolicies['r-ab12'] = [{ id: 'p-denyall', document: policy(deny('*', '*', { Principal: '*' })) }];
    store.resources[table] = { policy: policy(allow('dynamodb:GetItem', table, { Principal: { AWS: OTHER_ROLE } })) };
    store.principals[OTHER_ROLE].policies = [named('reader', policy(allow('dynamodb:GetItem', table)))];
    expect(evaluate(store, { principal: OTHER_SESSION, resource: table }).decision).toBe('allow');
    expect(evaluate(store).decision).toBe('explicit-deny');
  });
});

describe('IAM UG "Cross-account policy evaluation logic": both accounts must allow', () => {
  it("the resource policy alone is not enough: the caller's identity policy must allow too", () => {
    const store = baseStore();
    store.resources[TABLE].policy = policy(allow('dynamodb:GetItem', TABLE, { Principal: { AWS: OTHER_ROLE } }));
    store.principals[OTHER_ROLE].policies = [];
    const evaluation = evaluate(store, {
      principal: OTHER_SESSION,
      message: { policyType: 'identity-policy', policyArn: null, denial: 'implicit' },
    });
    expect(evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
    expect(layers(evaluation)).toEqual(['identity-policy']);
  });

  it('the identity policy alone is not enough: the resource-based policy must allow too', () => {
    const evaluation = evaluate(baseStore(), {
      principal: OTHER_SESSION,
      message: { policyType: 'resource-policy', policyArn: null, denial: 'implicit' },
    });
    expect(evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
    expect(layers(evaluation)).toEqual(['resource-policy']);
  });

  it('a resource policy naming the other account delegates to it, whose identity policy then allows', () => {
    const store = baseStore();
    store.resources[TABLE].policy = policy(allow('dynamodb:GetItem', TABLE, { Principal: { AWS: `arn:aws:iam::${OTHER}:root` } }));
    expect(evaluate(store, { principal: OTHER_SESSION }).decision).toBe('allow');
  });

  it('an unknown resource policy counts as allowing across accounts, and is named missing', () => {
    const store = baseStore();
    delete store.resources[TABLE];
    expect(evaluate(store, { principal: OTHER_SESSION })).toMatchObject({
      decision: 'allow',
      missingPolicies: [`resource-based policy of ${TABLE}`],
    });
  });
});

describe('IAM UG "Policy evaluation logic", same account: identity OR resource policy, with the principal named deciding the limits', () => {
  const boundaryWithoutReads = named('boundary', policy(allow('s3:*')));

  it('a resource policy naming the role allows without an identity policy', () => {
    const store = baseStore();
    store.principals[ROLE].policies = [];
    store.resources[TABLE].policy = policy(allow('dynamodb:GetItem', TABLE, { Principal: { AWS: ROLE } }));
    expect(evaluate(store).decision).toBe('allow');
  });

  it('neither allowing: identity-policy lacks an allow (the resource policy is not required in one account)', () => {
    const store = baseStore();
    store.principals[ROLE].policies = [];
    expect(layers(evaluate(store))).toEqual(['identity-policy']);
  });

  it('a resource policy naming the role ARN is limited by the permissions boundary', () => {
    const store = baseStore();
    store.principals[ROLE].permissionsBoundary = boundaryWithoutReads;
    store.resources[TABLE].policy = policy(allow('dynamodb:GetItem', TABLE, { Principal: { AWS: ROLE } }));
    const evaluation = evaluate(store, { message: { policyType: 'permissions-boundary', policyArn: null, denial: 'implicit' } });
    expect(evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
    expect(evaluation.missingAllow).toEqual([
      { policyType: 'permissions-boundary', target: null, policies: [`arn:aws:iam::${ACCOUNT}:policy/boundary`] },
    ]);
  });

  it('a resource policy naming the session ARN is not limited by the boundary or the session policy', () => {
    const store = baseStore();
    store.principals[ROLE].permissionsBoundary = boundaryWithoutReads;
    store.sessions[SESSION].policies = [{ name: 'session', arn: null, document: policy(allow('s3:*')) }];
    store.resources[TABLE].policy = policy(allow('dynamodb:GetItem', TABLE, { Principal: { AWS: SESSION } }));
    expect(evaluate(store).decision).toBe('allow');
  });

  it("a resource policy naming the IAM user is not limited by the user's boundary", () => {
    const store = baseStore();
    store.principals[USER] = { policies: [], permissionsBoundary: boundaryWithoutReads, groups: [] };
    store.resources[TABLE].policy = policy(allow('dynamodb:GetItem', TABLE, { Principal: { AWS: USER } }));
    expect(evaluate(store, { principal: USER }).decision).toBe('allow');
  });

  it('a resource policy naming the account only delegates: the identity policies must still allow', () => {
    const store = baseStore();
    store.principals[ROLE].policies = [];
    store.resources[TABLE].policy = policy(allow('dynamodb:GetItem', TABLE, { Principal: { AWS: ACCOUNT } }));
    expect(layers(evaluate(store))).toEqual(['identity-policy']);
  });

  it('both the identity policy and the boundary lacking: both layers are reported', () => {
    const store = baseStore();
    store.principals[ROLE].policies = [];
    store.principals[ROLE].permissionsBoundary = boundaryWithoutReads;
    expect(layers(evaluate(store))).toEqual(['identity-policy', 'permissions-boundary']);
  });
});

describe('IAM UG "Session policies": a session policy limits what the role\'s policies allow', () => {
  it('a session policy that does not allow the call', () => {
    const store = baseStore();
    store.sessions[SESSION].policies = [{ name: 'put-only', arn: null, document: policy(allow('dynamodb:PutItem')) }];
    const evaluation = evaluate(store, { message: { policyType: 'session-policy', policyArn: null, denial: 'implicit' } });
    expect(evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
    expect(evaluation.missingAllow).toEqual([{ policyType: 'session-policy', target: null, policies: ['put-only'] }]);
  });

  it('a role session whose session policies are unknown: allowed as far as the store tells, and named missing', () => {
    const store = baseStore();
    delete store.sessions[SESSION];
    expect(evaluate(store)).toMatchObject({ decision: 'allow', missingPolicies: [`session policies of ${SESSION}`] });
  });

  it('a federated-user session without a session policy has no permissions ("Policy evaluation logic", session policies)', () => {
    const store = baseStore();
    const federated = `arn:aws:sts::${ACCOUNT}:federated-user/bob`;
    store.sessions[federated] = { policies: [] };
    expect(layers(evaluate(store, { principal: federated }))).toContain('session-policy');
  });
});

describe('PrivateLink "endpoint policies": a call through an endpoint needs its policy to allow', () => {
  it('an endpoint policy without an allow for the call', () => {
    const store = baseStore();
    store.vpcEndpoints['vpce-1'] = { policy: policy(allow('dynamodb:PutItem', '*', { Principal: '*' })) };
    expect(layers(evaluate(store, { context: { 'aws:SourceVpce': 'vpce-1' }, absent: [] }))).toEqual(['vpc-endpoint-policy']);
  });

  it('an endpoint without a custom policy has the full-access default', () => {
    const store = baseStore();
    store.vpcEndpoints['vpce-1'] = { policy: null };
    expect(evaluate(store, { context: { 'aws:SourceVpce': 'vpce-1' }, absent: [] }).decision).toBe('allow');
  });

  it('an endpoint the store does not hold is named missing; a call that used no endpoint ignores endpoint policies', () => {
    expect(evaluate(baseStore(), { context: { 'aws:SourceVpce': 'vpce-9' }, absent: [] }).missingPolicies).toEqual([
      'VPC endpoint policy of vpce-9',
    ]);
    const store = baseStore();
    store.vpcEndpoints['vpce-1'] = { policy: policy(deny('*', '*', { Principal: '*' })) };
    expect(evaluate(store).decision).toBe('allow');
  });
});

describe('AWS KMS "Key policies": the key policy must allow, directly or by naming the account', () => {
  const decrypt = { action: 'kms:Decrypt', resource: KEY };
  const rootDelegation = {
    Sid: 'EnableIAMUserPermissions',
    ...allow('kms:*', '*', { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }),
  };
  const withIdentityAllow = (store: Record<string, any>) => {
    store.principals[ROLE].policies = [named('use-key', policy(allow('kms:Decrypt', KEY)))];
    return store;
  };

  it('without the root delegation, an identity policy that allows kms:Decrypt does not help: key-policy lacks an allow', () => {
    const store = withIdentityAllow(baseStore());
    store.keys[KEY] = { policy: policy(allow('kms:*', '*', { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/key-admin` } })), grants: [] };
    const evaluation = evaluate(store, { ...decrypt, message: { policyType: 'resource-policy', policyArn: null, denial: 'implicit' } });
    expect(evaluation).toMatchObject({ decision: 'implicit-deny', agreesWithMessage: true });
    expect(evaluation.missingAllow).toEqual([{ policyType: 'key-policy', target: null, policies: [KEY] }]);
  });

  it('with the root delegation, the identity policy allows', () => {
    const store = withIdentityAllow(baseStore());
    store.keys[KEY] = { policy: policy(rootDelegation), grants: [] };
    expect(evaluate(store, decrypt).decision).toBe('allow');
  });

  it('with the root delegation and no identity allow: identity-policy lacks an allow', () => {
    const store = baseStore();
    store.keys[KEY] = { policy: policy(rootDelegation), grants: [] };
    expect(layers(evaluate(store, decrypt))).toEqual(['identity-policy']);
  });

  it('a key policy naming the role allows without any identity policy', () => {
    const store = baseStore();
    store.keys[KEY] = { policy: policy(allow('kms:Decrypt', '*', { Principal: { AWS: ROLE } })), grants: [] };
    expect(evaluate(store, decrypt).decision).toBe('allow');
  });

  it('an unknown key counts as allowing, and its policy and grants are named missing', () => {
    expect(evaluate(baseStore(), decrypt)).toMatchObject({
      decision: 'allow',
      missingPolicies: [`key policy of ${KEY}`, `grants of ${KEY}`],
    });
  });
});

describe('AWS KMS "Grants": a grant allows its operations to its grantee, within its constraints', () => {
  const context = { 'kms:EncryptionContextKeys': ['aws:dynamodb:tableName'], 'kms:EncryptionContext:aws:dynamodb:tableName': 'Orders' };
  const keyWithGrant = (constraints: unknown) => {
    const store = baseStore();
    store.keys[KEY] = {
      policy: policy(allow('kms:*', '*', { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/key-admin` } })),
      grants: [{ granteePrincipal: ROLE, operations: ['Decrypt', 'Encrypt'], constraints }],
    };
    return store;
  };

  it('a grant to the role for Decrypt, its encryption context subset met', () => {
    expect(
      evaluate(keyWithGrant({ encryptionContextSubset: { 'aws:dynamodb:tableName': 'Orders' } }), {
        action: 'kms:Decrypt',
        resource: KEY,
        context,
      }).decision,
    ).toBe('allow');
  });

  it('a grant whose constraint the context does not meet, or for another operation, allows nothing', () => {
    const store = keyWithGrant({ encryptionContextSubset: { 'aws:dynamodb:tableName': 'Payments' } });
    expect(layers(evaluate(store, { action: 'kms:Decrypt', resource: KEY, context }))).toEqual(['key-policy']);
    expect(layers(evaluate(keyWithGrant(null), { action: 'kms:GenerateDataKey', resource: KEY, context }))).toEqual(['key-policy']);
  });

  it('a constrained grant with an unknown encryption context: inconclusive', () => {
    const evaluation = evaluate(keyWithGrant({ encryptionContextEquals: { 'aws:dynamodb:tableName': 'Orders' } }), {
      action: 'kms:Decrypt',
      resource: KEY,
    });
    expect(evaluation.decision).toBe('inconclusive');
    expect(layers(evaluation)).toEqual(['key-policy']);
  });
});

describe('three-valued conditions: unknown layers never make the decision inconclusive; unresolved keys do', () => {
  it('a principal the store does not hold: allow, with its identity policies and boundary named missing', () => {
    const store = baseStore();
    delete store.principals[ROLE];
    expect(evaluate(store)).toMatchObject({
      decision: 'allow',
      missingPolicies: [`identity policies of ${ROLE}`, `permissions boundary of ${ROLE}`],
    });
  });

  it('a store without an organization: allow, with the SCPs and RCPs named missing', () => {
    const store = baseStore();
    delete store.organization;
    expect(evaluate(store).missingPolicies).toEqual([
      `service control policies of account ${ACCOUNT} (the store has no organization)`,
      `resource control policies of account ${ACCOUNT} (the store has no organization)`,
    ]);
  });

  it('an SCP Deny on a key the request cannot answer: inconclusive, naming the statement and the key', () => {
    const store = baseStore();
    store.organization.serviceControlPolicies['r-ab12'].push(
      scp('p-ip', policy({ Sid: 'OfficeOnly', ...deny('*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }) })),
    );
    const evaluation = evaluate(store, {
      message: {
        policyType: 'service-control-policy',
        policyArn: `arn:aws:organizations::${MANAGEMENT}:policy/o-abc123/service_control_policy/p-ip`,
        denial: 'explicit',
      },
    });
    expect(evaluation).toMatchObject({ decision: 'inconclusive', unresolvedKeys: ['aws:SourceIp'], agreesWithMessage: true });
    expect(denials(evaluation)).toEqual(['service-control-policy:OfficeOnly']);
    expect(evaluate(store, { context: { 'aws:SourceIp': '198.51.100.7' } }).decision).toBe('explicit-deny');
    expect(evaluate(store, { context: { 'aws:SourceIp': '203.0.113.9' } }).decision).toBe('allow');
  });

  it('an Allow on an unresolved key: inconclusive, naming the layer it may leave without an allow', () => {
    const store = baseStore();
    store.principals[ROLE].policies = [
      named('tls-only', policy(allow('dynamodb:GetItem', TABLE, { Condition: { Bool: { 'aws:SecureTransport': 'true' } } }))),
    ];
    const evaluation = evaluate(store);
    expect(evaluation).toMatchObject({ decision: 'inconclusive', unresolvedKeys: ['aws:SecureTransport'] });
    expect(layers(evaluation)).toEqual(['identity-policy']);
  });
});

describe('agreesWithMessage', () => {
  const explicitScp = (arn: string | null): MessageClaim => ({ policyType: 'service-control-policy', policyArn: arn, denial: 'explicit' });
  const store = () => {
    const s = baseStore();
    s.organization.serviceControlPolicies['ou-ab12-22222222'].push(scp('p-guard', policy(deny('dynamodb:GetItem'))));
    return s;
  };

  it("true when the evaluation names the message's policy type and ARN; false for another ARN or type", () => {
    expect(
      evaluate(store(), { message: explicitScp(`arn:aws:organizations::${MANAGEMENT}:policy/o-abc123/service_control_policy/p-guard`) })
        .agreesWithMessage,
    ).toBe(true);
    expect(
      evaluate(store(), { message: explicitScp(`arn:aws:organizations::${MANAGEMENT}:policy/o-abc123/service_control_policy/p-other`) })
        .agreesWithMessage,
    ).toBe(false);
    expect(evaluate(store(), { message: { policyType: 'identity-policy', policyArn: null, denial: 'explicit' } }).agreesWithMessage).toBe(
      false,
    );
  });

  it('false when the store allows what the message says was denied; null when the message names no policy type', () => {
    expect(evaluate(baseStore(), { message: explicitScp(null) }).agreesWithMessage).toBe(false);
    expect(evaluate(store(), { message: { policyType: null, policyArn: null, denial: 'unknown' } }).agreesWithMessage).toBeNull();
  });
});

describe('the root user', () => {
  it('has full access within its account ("Policy evaluation logic"), but SCPs still apply to a member account\'s root', () => {
    const store = baseStore();
    expect(evaluate(store, { principal: ACCOUNT }).decision).toBe('allow');
    store.organization.serviceControlPolicies[ACCOUNT] = [];
    expect(layers(evaluate(store, { principal: ACCOUNT }))).toEqual([`service-control-policy@${ACCOUNT}`]);
  });
});

describe('one store, many requests (a scan)', () => {
  it('a statement ruled in by one request is judged again for the next: the condition values of each request decide', () => {
    const store = baseStore();
    store.principals[ROLE].policies.push(
      named(
        'office',
        policy({
          Sid: 'Office',
          ...deny('dynamodb:GetItem', TABLE, { Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }),
        }),
      ),
    );
    const parsed = parsePolicyStore(store);
    const at = (ip: string) => {
      const principal = principalOfArn(SESSION, parsed)!;
      const context = new Map([['aws:SourceIp', [ip]]]);
      return evaluateRequest(
        requestContextForCall(
          {
            principal,
            action: 'dynamodb:GetItem',
            resource: TABLE,
            context,
            absent: ['aws:SourceVpce'],
            now: new Date('2026-11-20T10:00:00Z'),
          },
          parsed,
        ),
        parsed,
      ).decision;
    };
    expect([at('198.51.100.1'), at('203.0.113.5'), at('198.51.100.2'), at('203.0.113.6')]).toEqual([
      'explicit-deny',
      'allow',
      'explicit-deny',
      'allow',
    ]);
  });

  /** The decision for each call, all against one parsed store (so whatever is kept between requests is reused). */
  const decisionsOf = (parsed: PolicyStore, calls: readonly Call[]) =>
    calls.map((call) => {
      const principal = principalOfArn(call.principal ?? SESSION, parsed)!;
      const context = new Map(Object.entries(call.context ?? {}).map(([key, value]) => [key, Array.isArray(value) ? value : [value]]));
      const request = requestContextForCall(
        {
          principal,
          action: call.action ?? 'dynamodb:GetItem',
          resource: call.resource ?? TABLE,
          context,
          absent: call.absent ?? ['aws:SourceVpce'],
          now: new Date('2026-11-20T10:00:00Z'),
        },
        parsed,
      );
      return evaluateRequest(request, parsed);
    });

  // IAM UG, "Variables": a condition value `${aws:userid}` is the request's own value of that key.
  it("a statement whose condition holds a variable is judged again when the variable's key differs", () => {
    const store = baseStore();
    store.principals[ROLE].policies.push(
      named(
        'own-items',
        policy({
          Sid: 'OwnItems',
          ...deny('dynamodb:GetItem', TABLE, { Condition: { StringNotEquals: { 'dynamodb:LeadingKeys': '${aws:userid}' } } }),
        }),
      ),
    );
    const parsed = parsePolicyStore(store);
    const call = (userid: string, leading: string): Call => ({ context: { 'aws:userid': userid, 'dynamodb:LeadingKeys': [leading] } });
    expect(decisionsOf(parsed, [call('A', 'A'), call('B', 'A'), call('B', 'B'), call('A', 'B')]).map((e) => e.decision)).toEqual([
      'allow',
      'explicit-deny',
      'allow',
      'explicit-deny',
    ]);
  });

  // IAM UG, "Cross-account policy evaluation logic": the resource-based policy must name the other account's caller.
  it('a resource-based policy naming one caller is judged again for the next caller', () => {
    const store = baseStore();
    const THIRD_ROLE = 'arn:aws:iam::777788889999:role/reader';
    store.principals[THIRD_ROLE] = {
      policies: [named('reader', policy(allow('dynamodb:GetItem', TABLE)))],
      permissionsBoundary: null,
      tags: {},
    };
    store.resources[TABLE].policy = policy({ Sid: 'Partner', ...allow('dynamodb:GetItem', TABLE, { Principal: { AWS: OTHER_ROLE } }) });
    const parsed = parsePolicyStore(store);
    const decisions = decisionsOf(parsed, [{ principal: OTHER_SESSION }, { principal: THIRD_ROLE }, { principal: OTHER_SESSION }]);
    expect(decisions.map((e) => e.decision)).toEqual(['allow', 'implicit-deny', 'allow']);
    expect(layers(decisions[1])).toEqual(['resource-policy']);
  });

  // IAM UG, "AWS JSON policy elements: Principal": a role session principal names that one session, not the role's others.
  it('a resource-based policy naming one session is judged again for another session of the same role', () => {
    const store = baseStore();
    const otherSession = `arn:aws:sts::${ACCOUNT}:assumed-role/app/s3`;
    store.principals[ROLE].policies = [];
    store.sessions[otherSession] = { policies: [] };
    store.resources[TABLE].policy = policy({ Sid: 'OneSession', ...allow('dynamodb:GetItem', TABLE, { Principal: { AWS: SESSION } }) });
    const parsed = parsePolicyStore(store);
    const decisions = decisionsOf(parsed, [{ principal: SESSION }, { principal: otherSession }, { principal: SESSION }]);
    expect(decisions.map((e) => e.decision)).toEqual(['allow', 'implicit-deny', 'allow']);
  });

  // A resource-based policy naming the role covers each of its sessions alike ("AWS JSON policy elements: Principal").
  it('a resource-based policy naming a role decides alike for every session of it, and tells the role from another', () => {
    const store = baseStore();
    const sessions = ['s4', 's5', 's6'].map((name) => `arn:aws:sts::${ACCOUNT}:assumed-role/app/${name}`);
    for (const session of sessions) store.sessions[session] = { policies: [] };
    store.principals[ROLE].policies = [];
    store.principals[`arn:aws:iam::${ACCOUNT}:role/other`] = { policies: [], permissionsBoundary: null, tags: {} };
    store.resources[TABLE].policy = policy({ Sid: 'Role', ...allow('dynamodb:GetItem', TABLE, { Principal: { AWS: ROLE } }) });
    const parsed = parsePolicyStore(store);
    const otherRoleSession = `arn:aws:sts::${ACCOUNT}:assumed-role/other/s4`;
    const decisions = decisionsOf(parsed, [...sessions.map((principal) => ({ principal })), { principal: otherRoleSession }]);
    expect(decisions.map((e) => e.decision)).toEqual(['allow', 'allow', 'allow', 'implicit-deny']);
  });

  // IAM UG "Session policies": a session the store does not hold has unknown session policies, each named missing.
  it('sessions of one role the store does not hold are judged alike, each named in what is missing', () => {
    const sessions = ['s7', 's8', 's9'].map((name) => `arn:aws:sts::${ACCOUNT}:assumed-role/app/${name}`);
    const decisions = decisionsOf(
      parsePolicyStore(baseStore()),
      [...sessions, sessions[0]].map((principal) => ({ principal })),
    );
    expect(decisions.map((e) => e.decision)).toEqual(['allow', 'allow', 'allow', 'allow']);
    expect(decisions.map((e) => e.missingPolicies)).toEqual(
      [...sessions, sessions[0]].map((session) => [`session policies of ${session}`]),
    );
  });

  // IAM UG "Session policies": a session policy the store holds limits that session only.
  it('a session the store holds is judged with its own session policies, not as another session of its role', () => {
    const store = baseStore();
    store.sessions[SESSION] = { policies: [named('narrow', policy(allow('dynamodb:Query', TABLE)))] };
    const unknown = `arn:aws:sts::${ACCOUNT}:assumed-role/app/s7`;
    const decisions = decisionsOf(parsePolicyStore(store), [{ principal: unknown }, { principal: SESSION }, { principal: unknown }]);
    expect(decisions.map((e) => e.decision)).toEqual(['allow', 'implicit-deny', 'allow']);
    expect(layers(decisions[1])).toEqual(['session-policy']);
  });

  it('a federated user, known by its session only, is named by its own session in what is missing', () => {
    const federated = ['carol', 'dave'].map((name) => `arn:aws:sts::${ACCOUNT}:federated-user/${name}`);
    const decisions = decisionsOf(
      parsePolicyStore(baseStore()),
      [...federated, federated[0]].map((principal) => ({ principal })),
    );
    expect(decisions.map((e) => e.missingPolicies.filter((line) => line.startsWith('identity policies')))).toEqual(
      [...federated, federated[0]].map((arn) => [`identity policies of the IAM user behind ${arn}`]),
    );
  });

  // AWS KMS "Grants in AWS KMS": a grant to a session allows that session, not the role's other sessions.
  it('a KMS grant to one session is judged again for another session of the role', () => {
    const store = baseStore();
    // Sessions the store does not hold, as a scan meets them.
    const [granted, other] = ['s7', 's8'].map((name) => `arn:aws:sts::${ACCOUNT}:assumed-role/app/${name}`);
    store.keys[KEY] = {
      policy: policy(allow('kms:*', '*', { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/key-admin` } })),
      grants: [{ granteePrincipal: granted, operations: ['Decrypt'], constraints: null }],
    };
    const call = (principal: string): Call => ({ principal, action: 'kms:Decrypt', resource: KEY });
    const decisions = decisionsOf(parsePolicyStore(store), [call(granted), call(other), call(granted)]);
    expect(decisions.map((e) => e.decision)).toEqual(['allow', 'implicit-deny', 'allow']);
  });

  // Organizations, "SCP evaluation": a Deny attached at several levels denies at each; a scan worker's store shares
  // the compiled document between the levels, and must still name each level.
  it('the same SCP attached at two levels denies at both, also in a store re-read by a scan worker', () => {
    const store = baseStore();
    const regions = scp(
      'p-regions',
      policy({ Sid: 'Regions', ...deny('*', '*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }) }),
    );
    store.organization.serviceControlPolicies['r-ab12'].push(regions);
    store.organization.serviceControlPolicies['ou-ab12-22222222'].push(regions);
    const text = JSON.stringify(store);
    const calls: Call[] = [{ context: { 'aws:RequestedRegion': 'eu-west-1' } }, { context: { 'aws:RequestedRegion': 'us-east-1' } }];
    for (const parsed of [parsePolicyStore(text), parseValidatedPolicyStore(text)]) {
      const [inRegion, outside] = decisionsOf(parsed, calls);
      expect(inRegion.decision).toBe('allow');
      expect(outside.deniedBy.map((entry) => `${entry.target}:${entry.sid}:${entry.policyArn}`)).toEqual([
        `r-ab12:Regions:${regions.arn}`,
        `ou-ab12-22222222:Regions:${regions.arn}`,
      ]);
    }
  });
});
