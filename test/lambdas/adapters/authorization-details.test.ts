import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  AuthorizationDetailsClient,
  authorizationDetailsEndpoint,
  readAuthorizationEvidence,
} from '../../../lambdas/adapters/authorization-details';
import type { PolicyStore } from '../../../core/policy/store';
import type { PolicyEvaluation } from '../../../core/policy/types';
import { startAwsStandIn, type AwsStandIn, type RecordedAwsRequest, type StandInWorld } from '../../support/aws-standin';
import {
  ACCOUNT,
  DENY_DELETES,
  DENY_DELETES_ARN,
  DENY_REGIONS,
  ORDERS_RW_V2,
  ROLE_ARN,
  standInEnvironment,
  TABLE_ARN,
  TABLE_POLICY,
} from '../../support/policy-world';

// Shapes from the IAM Toolbox API reference (GetRequestAuthorizationDetails: requestContext, policies[] of
// {type, inline, uri, attachedTo[{arn}]}, evaluations[] of {action, resource, context, evaluatedEffect,
// matchedPolicies[{uri, matchedStatements[{sid, evaluatedEffect}]}]}, nextToken).
const ID = 'a1b2c3d4e5f6';
const SESSION_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`;
const SCP_ARN = 'arn:aws:organizations::999988887777:policy/o-abc123/service_control_policy/p-denyregions';
const INLINE_URI = 'inline-0f1e2d3c';
const ORGANIZATIONS = (kind: string, id: string) => `arn:aws:organizations::999988887777:${kind}/o-abc123/${id}`;
const INLINE_DENY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'dynamodb:Query', Resource: '*' },
    { Effect: 'Deny', Action: 'dynamodb:PutItem', Resource: '*' },
  ],
};

const explicitRecord = {
  pages: [
    {
      requestContext: { 'aws:PrincipalArn': ROLE_ARN, 'aws:RequestedRegion': 'us-east-1' },
      policies: [
        {
          type: 'SERVICE_CONTROL_POLICY',
          inline: false,
          uri: SCP_ARN,
          attachedTo: [{ arn: ORGANIZATIONS('account', ACCOUNT) }, { arn: ORGANIZATIONS('ou', 'ou-ab12-22222222') }],
        },
        { type: 'IDENTITY_BASED_POLICY', inline: false, uri: DENY_DELETES_ARN, attachedTo: [{ arn: ROLE_ARN }] },
      ],
      evaluations: [
        {
          action: 'dynamodb:PutItem',
          resource: TABLE_ARN,
          context: {},
          evaluatedEffect: 'EXPLICIT_DENY',
          matchedPolicies: [{ uri: SCP_ARN, matchedStatements: [{ sid: 'DenyOutsideEU', evaluatedEffect: 'DENY' }] }],
        },
      ],
    },
    {
      policies: [
        { type: 'IDENTITY_BASED_POLICY', inline: true, uri: INLINE_URI, attachedTo: [{ arn: ROLE_ARN }] },
        { type: 'RESOURCE_BASED_POLICY', inline: true, uri: 'resource-policy-1', attachedTo: [{ arn: TABLE_ARN }] },
      ],
      evaluations: [
        {
          action: 'dynamodb:PutItem',
          resource: TABLE_ARN,
          evaluatedEffect: 'EXPLICIT_DENY',
          matchedPolicies: [
            { uri: DENY_DELETES_ARN, matchedStatements: [{ sid: 'NoDeletes', evaluatedEffect: 'DENY' }] },
            // AWS generated this sid: the statement has none.
            {
              uri: INLINE_URI,
              matchedStatements: [
                { sid: 'generated-1', evaluatedEffect: 'DENY' },
                { sid: 'generated-0', evaluatedEffect: 'ALLOW' },
              ],
            },
          ],
        },
      ],
    },
  ],
  policies: { [SCP_ARN]: DENY_REGIONS, [DENY_DELETES_ARN]: DENY_DELETES, [INLINE_URI]: INLINE_DENY, 'resource-policy-1': TABLE_POLICY },
};

const implicitRecord = {
  pages: [
    {
      requestContext: { 'aws:PrincipalArn': ROLE_ARN },
      policies: [
        {
          type: 'IDENTITY_BASED_POLICY',
          inline: false,
          uri: 'arn:aws:iam::111122223333:policy/orders-rw',
          attachedTo: [{ arn: ROLE_ARN }],
        },
      ],
      evaluations: [{ action: 'dynamodb:DeleteItem', resource: TABLE_ARN, evaluatedEffect: 'IMPLICIT_DENY', matchedPolicies: [] }],
    },
  ],
  policies: { 'arn:aws:iam::111122223333:policy/orders-rw': ORDERS_RW_V2 },
};

const WORLD: StandInWorld = { accountId: ACCOUNT, authorizationDetails: { [ID]: explicitRecord, implicit0001: implicitRecord } };
const NOW = new Date('2026-11-27T12:00:00Z');
const diagnosis = (overrides: Partial<{ authorizationId: string | null; eventTime: string; action: string }> = {}) => ({
  authorizationId: ID,
  eventTime: '2026-11-27T10:00:00.000Z',
  region: 'us-east-1',
  action: 'dynamodb:PutItem',
  principal: ROLE_ARN,
  principalArn: SESSION_ARN,
  resource: TABLE_ARN,
  ...overrides,
});
const EVALUATED: PolicyEvaluation = {
  decision: 'implicit-deny',
  deniedBy: [],
  missingAllow: [{ policyType: 'identity-policy', target: null, policies: ['arn:aws:iam::111122223333:policy/orders-rw'] }],
  unresolvedKeys: [],
  missingPolicies: [],
  agreesWithMessage: true,
};

const savedEnvironment = { ...process.env };
let standIn: AwsStandIn;
beforeEach(async () => {
  standIn = await startAwsStandIn(WORLD);
  Object.assign(process.env, standInEnvironment(standIn.endpoint));
});
afterEach(async () => {
  await standIn.stop();
  process.env = { ...savedEnvironment };
});

/** Checks a received request's SigV4 signature by signing the same request again with the SDK's signer. */
async function expectValidSignature(request: RecordedAwsRequest, service: string, region: string): Promise<void> {
  const authorization = String(request.headers.authorization);
  const signedHeaderNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1].split(';') ?? [];
  expect(signedHeaderNames).toEqual(expect.arrayContaining(['host', 'x-amz-date']));
  const url = new URL(request.path, standIn.endpoint);
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'stand-in-secret' },
    sha256: Sha256,
  });
  const amzDate = String(request.headers['x-amz-date']);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(signedHeaderNames.map((name) => [name, String(request.headers[name])])),
    },
    { signingDate },
  );
  expect(authorization).toContain(`/${region}/${service}/aws4_request`);
  expect(resigned.headers.authorization).toBe(authorization);
}

describe('the signed REST client', () => {
  it('every call carries a valid SigV4 signature for service "iam" in the denial\'s region, made from the SDK credential chain', async () => {
    const client = new AuthorizationDetailsClient();
    await client.getRequestAuthorizationDetails(ID, 'us-east-1');
    await client.getRequestAuthorizationPolicy(ID, SCP_ARN, 'us-east-1');
    expect(standIn.requestsFor('iam-toolbox')).toHaveLength(3);
    for (const request of standIn.requestsFor('iam-toolbox')) await expectValidSignature(request, 'iam', 'us-east-1');
  });

  it('a tampered request fails the same check (the check can fail)', async () => {
    await new AuthorizationDetailsClient().getRequestAuthorizationDetails(ID, 'us-east-1');
    const [request] = standIn.requestsFor('iam-toolbox');
    await expect(
      expectValidSignature({ ...request, path: request.path.replace(ID, 'b1b2c3d4e5f6') }, 'iam', 'us-east-1'),
    ).rejects.toThrow();
  });

  it('the signing name can be overridden', async () => {
    await new AuthorizationDetailsClient({ signingName: 'iam-toolbox' }).getRequestAuthorizationDetails(ID, 'eu-west-1');
    await expectValidSignature(standIn.requestsFor('iam-toolbox')[0], 'iam-toolbox', 'eu-west-1');
  });

  it('follows nextToken and joins the pages', async () => {
    const record = await new AuthorizationDetailsClient().getRequestAuthorizationDetails(ID, 'us-east-1');
    expect(record.policies).toHaveLength(4);
    expect(record.evaluations).toHaveLength(2);
    expect(record.requestContext).toEqual({ 'aws:PrincipalArn': ROLE_ARN, 'aws:RequestedRegion': 'us-east-1' });
    expect(standIn.requestsFor('iam-toolbox').map((request) => request.path)).toEqual([
      `/authorization-details/${ID}`,
      `/authorization-details/${ID}?nextToken=1`,
    ]);
  });

  it('asks for a captured policy by its URI (an ARN, query-encoded)', async () => {
    const document = await new AuthorizationDetailsClient().getRequestAuthorizationPolicy(ID, SCP_ARN, 'us-east-1');
    expect(document).toEqual(DENY_REGIONS);
    expect(standIn.requestsFor('iam-toolbox')[0].path).toBe(`/authorization-details/${ID}/policy?policyUri=${encodeURIComponent(SCP_ARN)}`);
  });
});

describe('the endpoint', () => {
  it("the SDK's settings first: AWS_ENDPOINT_URL_IAM_TOOLBOX, then AWS_ENDPOINT_URL; else iam-toolbox.REGION", () => {
    expect(authorizationDetailsEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_IAM_TOOLBOX: 'http://b' })).toBe(
      'http://b',
    );
    expect(authorizationDetailsEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://a' })).toBe('http://a');
    expect(authorizationDetailsEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://a', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBe(
      'https://iam-toolbox.us-east-1.amazonaws.com',
    );
    expect(authorizationDetailsEndpoint('eu-west-1', {})).toBe('https://iam-toolbox.eu-west-1.amazonaws.com');
    expect(authorizationDetailsEndpoint('cn-north-1', {})).toBe('https://iam-toolbox.cn-north-1.amazonaws.com.cn');
  });
});

describe('readAuthorizationEvidence', () => {
  const evaluateCaptured = jest.fn((_store: PolicyStore): PolicyEvaluation => EVALUATED);
  beforeEach(() => evaluateCaptured.mockClear());

  it("an explicit deny: the decision and every denying statement from AWS's record, in layer order, SCPs once per level", async () => {
    const outcome = await readAuthorizationEvidence(new AuthorizationDetailsClient(), diagnosis(), { now: NOW, evaluateCaptured });
    expect(outcome.reason).toBeNull();
    const evaluation = outcome.evidence?.evaluation;
    expect(evaluation).toMatchObject({
      decision: 'explicit-deny',
      missingAllow: [],
      unresolvedKeys: [],
      missingPolicies: [],
      agreesWithMessage: true,
      source: 'authorization-details',
    });
    expect(evaluation?.deniedBy).toEqual([
      {
        policyType: 'service-control-policy',
        policyArn: SCP_ARN,
        policyName: 'p-denyregions',
        target: 'ou-ab12-22222222',
        sid: 'DenyOutsideEU',
        statementIndex: 0,
        statement: DENY_REGIONS.Statement[0],
        conditions: [],
      },
      {
        policyType: 'service-control-policy',
        policyArn: SCP_ARN,
        policyName: 'p-denyregions',
        target: ACCOUNT,
        sid: 'DenyOutsideEU',
        statementIndex: 0,
        statement: DENY_REGIONS.Statement[0],
        conditions: [],
      },
      {
        policyType: 'identity-policy',
        policyArn: DENY_DELETES_ARN,
        policyName: 'deny-deletes',
        target: null,
        sid: 'NoDeletes',
        statementIndex: 0,
        statement: DENY_DELETES.Statement[0],
        conditions: [],
      },
      // The inline policy's deny has no Sid: AWS's generated sid is matched to its only unnamed Deny statement.
      {
        policyType: 'identity-policy',
        policyArn: null,
        policyName: null,
        target: null,
        sid: null,
        statementIndex: 1,
        statement: INLINE_DENY.Statement[1],
        conditions: [],
      },
    ]);
  });

  it('the captured documents go to the evaluator as a store: what AWS evaluated for the principal, the table, the organization', async () => {
    await readAuthorizationEvidence(new AuthorizationDetailsClient(), diagnosis(), { now: NOW, evaluateCaptured });
    const store = evaluateCaptured.mock.calls[0][0];
    expect(store.principals.get(ROLE_ARN)?.policies?.map((policy) => policy.arn ?? policy.name)).toEqual([DENY_DELETES_ARN, INLINE_URI]);
    expect(store.principals.get(ROLE_ARN)?.permissionsBoundary).toBeNull();
    expect(store.resources.get(TABLE_ARN)?.policy).not.toBeNull();
    expect(store.organization?.serviceControlPolicies.get('ou-ab12-22222222')?.map((policy) => policy.arn)).toEqual([SCP_ARN]);
    expect(store.organization?.accounts?.get(ACCOUNT)).toEqual(['ou-ab12-22222222']);
  });

  it('an implicit denial: the layer without an allow comes from the evaluator run on the captured documents', async () => {
    const outcome = await readAuthorizationEvidence(
      new AuthorizationDetailsClient(),
      diagnosis({ authorizationId: 'implicit0001', action: 'dynamodb:DeleteItem' }),
      { now: NOW, evaluateCaptured },
    );
    expect(outcome.evidence?.evaluation).toMatchObject({ decision: 'implicit-deny', deniedBy: [], missingAllow: EVALUATED.missingAllow });
    expect(evaluateCaptured.mock.calls[0][0].principals.get(ROLE_ARN)?.policies?.[0].arn).toBe(
      'arn:aws:iam::111122223333:policy/orders-rw',
    );
  });

  it('a captured policy that cannot be read is named; the rest still counts', async () => {
    standIn.fail({ service: 'iam-toolbox', operation: 'GetRequestAuthorizationPolicy', matching: INLINE_URI, fault: 'AccessDenied' });
    const outcome = await readAuthorizationEvidence(new AuthorizationDetailsClient(), diagnosis(), { now: NOW, evaluateCaptured });
    expect(outcome.evidence?.evaluation.missingPolicies).toEqual([
      `captured policy ${INLINE_URI} of authorization ${ID}: access denied (iam:GetRequestAuthorizationPolicy)`,
    ]);
    expect(outcome.evidence?.evaluation.deniedBy.find((entry) => entry.policyArn === null)).toMatchObject({
      statementIndex: -1,
      statement: {},
      sid: 'generated-1',
    });
  });

  describe('falls through, saying why', () => {
    it('no authorization id in the message', async () => {
      expect(
        await readAuthorizationEvidence(new AuthorizationDetailsClient(), diagnosis({ authorizationId: null }), {
          now: NOW,
          evaluateCaptured,
        }),
      ).toEqual({ evidence: null, reason: 'the message carries no authorization id' });
    });

    it('a denial more than 24 hours old: AWS is not asked', async () => {
      const outcome = await readAuthorizationEvidence(
        new AuthorizationDetailsClient(),
        diagnosis({ eventTime: '2026-11-26T11:59:59.000Z' }),
        { now: NOW, evaluateCaptured },
      );
      expect(outcome.reason).toMatch(/24 hours/);
      expect(standIn.requests).toHaveLength(0);
    });

    it('an id AWS does not know (expired, or another region): ResourceNotFoundException', async () => {
      const outcome = await readAuthorizationEvidence(new AuthorizationDetailsClient(), diagnosis({ authorizationId: 'ffff0000' }), {
        now: NOW,
        evaluateCaptured,
      });
      expect(outcome).toEqual({ evidence: null, reason: 'authorization details ffff0000: does not exist (ResourceNotFoundException)' });
    });

    it('no permission: AccessDeniedException', async () => {
      standIn.fail({ service: 'iam-toolbox', operation: 'GetRequestAuthorizationDetails', fault: 'AccessDenied' });
      const outcome = await readAuthorizationEvidence(new AuthorizationDetailsClient(), diagnosis(), { now: NOW, evaluateCaptured });
      expect(outcome).toEqual({
        evidence: null,
        reason: `authorization details ${ID}: access denied (iam:GetRequestAuthorizationDetails)`,
      });
    });

    it('an unreachable endpoint', async () => {
      const client = new AuthorizationDetailsClient({ endpoint: 'http://127.0.0.1:9' });
      const outcome = await readAuthorizationEvidence(client, diagnosis(), { now: NOW, evaluateCaptured });
      expect(outcome.evidence).toBeNull();
      expect(outcome.reason).toMatch(new RegExp(`^authorization details ${ID}: `));
    });
  });
});
