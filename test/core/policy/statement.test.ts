import { parsePolicyDocument } from '../../../core/policy/document';
import { evaluatePolicy, evaluateStatement } from '../../../core/policy/statement';
import type { RequestPrincipal } from '../../../core/policy/types';
import { ACCOUNT, OTHER_ACCOUNT, request, ROLE_ARN, SESSION, SESSION_ARN, TABLE_ARN, verdictOf } from './language-fixtures';

const RESOURCE_POLICY = { principalElement: 'required' } as const;

describe('Action and NotAction', () => {
  // IAM UG, Action element: "The prefix and the action name are case insensitive."
  it('matches actions without regard to case, with wildcards', () => {
    expect(verdictOf({ Effect: 'Allow', Action: 'DynamoDB:getitem', Resource: '*' }).applies).toBe(true);
    expect(verdictOf({ Effect: 'Allow', Action: ['s3:*', 'dynamodb:Get*'], Resource: '*' }).applies).toBe(true);
    expect(verdictOf({ Effect: 'Allow', Action: 'dynamodb:Put*', Resource: '*' }).applies).toBe(false);
    expect(verdictOf({ Effect: 'Allow', Action: 'dynamodb:GetIte?', Resource: '*' }).applies).toBe(true);
  });

  // IAM UG, NotAction: "DenyAllUsersNotUsingMFA": Deny, NotAction iam:*, Resource *, BoolIfExists aws:MultiFactorAuthPresent false —
  // "explicitly deny all other actions except IAM actions" when the user is not signed in with MFA.
  describe('NotAction with Deny', () => {
    const statement = {
      Sid: 'DenyAllUsersNotUsingMFA',
      Effect: 'Deny',
      NotAction: 'iam:*',
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    };

    it('denies every action it does not list when the condition holds', () => {
      expect(verdictOf(statement, request({ keys: { 'aws:MultiFactorAuthPresent': 'false' } }))).toMatchObject({
        effect: 'Deny',
        applies: true,
        sid: 'DenyAllUsersNotUsingMFA',
      });
      expect(verdictOf(statement, request({ keys: { 'aws:MultiFactorAuthPresent': 'absent' } })).applies).toBe(true);
    });

    it('does not deny the actions it lists, nor any action once MFA is present', () => {
      expect(verdictOf(statement, request({ action: 'iam:ListUsers', keys: { 'aws:MultiFactorAuthPresent': 'false' } })).applies).toBe(
        false,
      );
      expect(verdictOf(statement, request({ keys: { 'aws:MultiFactorAuthPresent': 'true' } })).applies).toBe(false);
    });

    it('depends on MFA when the record cannot tell', () => {
      expect(verdictOf(statement, request()).applies).toBe('unresolved');
    });
  });
});

describe('Resource and NotResource', () => {
  it('matches the resource ARN case-sensitively, segment by segment', () => {
    expect(verdictOf({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:dynamodb:*:*:table/Orders' }).applies).toBe(true);
    expect(verdictOf({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:dynamodb:*:*:table/orders' }).applies).toBe(false);
    expect(
      verdictOf({ Effect: 'Allow', Action: '*', Resource: ['arn:aws:dynamodb:*:*:table/Other', 'arn:aws:dynamodb:eu-west-1:*:table/*'] })
        .applies,
    ).toBe(true);
    expect(verdictOf({ Effect: 'Allow', Action: '*', Resource: `arn:aws:dynamodb:*:${OTHER_ACCOUNT}:table/*` }).applies).toBe(false);
  });

  // IAM UG, NotResource: the HRPayroll example denies every S3 resource except the Payroll folder.
  it('NotResource with Deny denies every resource it does not list', () => {
    const statement = { Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::HRBucket/Payroll', 'arn:aws:s3:::HRBucket/Payroll/*'] };
    expect(verdictOf(statement, request({ action: 's3:GetObject', resource: 'arn:aws:s3:::HRBucket/Payroll/2026.csv' })).applies).toBe(
      false,
    );
    expect(verdictOf(statement, request({ action: 's3:GetObject', resource: 'arn:aws:s3:::HRBucket/Other/x' })).applies).toBe(true);
    // "If the action also included Amazon EC2 actions, then the policy would not deny access to any EC2 resources": the action decides first.
    expect(verdictOf(statement, request({ action: 'dynamodb:GetItem' })).applies).toBe(false);
  });

  it('with an unknown resource: only "*" surely names it', () => {
    expect(verdictOf({ Effect: 'Allow', Action: '*', Resource: '*' }, request({ resource: null })).applies).toBe(true);
    expect(verdictOf({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:dynamodb:*:*:table/*' }, request({ resource: null })).applies).toBe(
      'unresolved',
    );
    expect(
      verdictOf({ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:dynamodb:*:*:table/*' }, request({ resource: null })).applies,
    ).toBe('unresolved');
    expect(verdictOf({ Effect: 'Deny', Action: '*', NotResource: '*' }, request({ resource: null })).applies).toBe(false);
  });

  it('a statement without Resource covers the resource its policy is attached to', () => {
    expect(verdictOf({ Effect: 'Allow', Principal: '*', Action: 'dynamodb:*' }, request(), RESOURCE_POLICY).applies).toBe(true);
  });
});

describe('Principal', () => {
  const principalVerdict = (principal: unknown, caller: RequestPrincipal = SESSION) =>
    verdictOf({ Effect: 'Allow', Principal: principal, Action: '*', Resource: '*' }, request({ principal: caller }), RESOURCE_POLICY);
  const user: RequestPrincipal = {
    type: 'iam-user',
    arn: `arn:aws:iam::${ACCOUNT}:user/division/Bob`,
    sessionArn: null,
    accountId: ACCOUNT,
    serviceLinked: false,
  };
  const root: RequestPrincipal = {
    type: 'root',
    arn: `arn:aws:iam::${ACCOUNT}:root`,
    sessionArn: null,
    accountId: ACCOUNT,
    serviceLinked: false,
  };
  const service: RequestPrincipal = {
    type: 'aws-service',
    arn: 'dynamodb.amazonaws.com',
    sessionArn: null,
    accountId: null,
    serviceLinked: false,
  };
  const federated: RequestPrincipal = {
    type: 'federated-user',
    arn: `arn:aws:sts::${ACCOUNT}:federated-user/Carol`,
    sessionArn: null,
    accountId: ACCOUNT,
    serviceLinked: false,
  };

  // IAM UG, Principal element, All principals: "Principal": "*" and "Principal" : { "AWS" : "*" } are equivalent.
  it.each(['*', { AWS: '*' }, { AWS: ['*'] }])('%j names every caller', (principal) => {
    expect(principalVerdict(principal)).toMatchObject({ applies: true, principalMatch: 'everyone' });
    expect(principalVerdict(principal, service)).toMatchObject({ applies: true, principalMatch: 'everyone' });
  });

  // IAM UG, AWS account principals: "The account ARN and the shortened account ID behave the same way. Both delegate
  // permissions to the account. Using the account ARN ... does not limit permissions to only the root user of the account."
  it.each([{ AWS: ACCOUNT }, { AWS: `arn:aws:iam::${ACCOUNT}:root` }])('%j names every principal of the account', (principal) => {
    for (const caller of [SESSION, user, root, federated])
      expect(principalVerdict(principal, caller)).toMatchObject({ applies: true, principalMatch: 'account' });
    expect(principalVerdict({ AWS: OTHER_ACCOUNT }, SESSION)).toMatchObject({ applies: false, principalMatch: null });
    expect(principalVerdict(principal, service).applies).toBe(false);
  });

  it('a role ARN names the sessions of that role (by account and name, whatever the path)', () => {
    expect(principalVerdict({ AWS: ROLE_ARN })).toMatchObject({ applies: true, principalMatch: 'role' });
    expect(principalVerdict({ AWS: `arn:aws:iam::${ACCOUNT}:role/team/app` })).toMatchObject({ applies: true, principalMatch: 'role' });
    expect(principalVerdict({ AWS: `arn:aws:iam::${ACCOUNT}:role/other` }).applies).toBe(false);
    expect(principalVerdict({ AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/app` }).applies).toBe(false);
    expect(principalVerdict({ AWS: ROLE_ARN }, user).applies).toBe(false);
  });

  it('a session ARN names that session only', () => {
    expect(principalVerdict({ AWS: SESSION_ARN })).toMatchObject({ applies: true, principalMatch: 'session' });
    expect(principalVerdict({ AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/app/other` }).applies).toBe(false);
  });

  // IAM UG, IAM user principals: "the user name part of the ARN is case sensitive".
  it('a user ARN names that user, case-sensitively', () => {
    expect(principalVerdict({ AWS: `arn:aws:iam::${ACCOUNT}:user/division/Bob` }, user)).toMatchObject({
      applies: true,
      principalMatch: 'user',
    });
    expect(principalVerdict({ AWS: `arn:aws:iam::${ACCOUNT}:user/bob` }, user).applies).toBe(false);
  });

  it('a federated-user ARN names that federated user', () => {
    expect(principalVerdict({ AWS: `arn:aws:sts::${ACCOUNT}:federated-user/Carol` }, federated)).toMatchObject({
      applies: true,
      principalMatch: 'federated-user',
    });
  });

  it('a Service entry names the calling service principal', () => {
    expect(principalVerdict({ Service: ['ecs.amazonaws.com', 'dynamodb.amazonaws.com'] }, service)).toMatchObject({
      applies: true,
      principalMatch: 'service',
    });
    expect(principalVerdict({ Service: 'dynamodb.amazonaws.com' }).applies).toBe(false);
  });

  it('Federated and CanonicalUser entries, and unique ids of deleted roles, name none of the callers judged here', () => {
    expect(principalVerdict({ Federated: 'cognito-identity.amazonaws.com' }).applies).toBe(false);
    expect(principalVerdict({ CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' }).applies).toBe(false);
    expect(principalVerdict({ AWS: 'AROA1234567890EXAMPLE' }).applies).toBe(false);
  });

  // IAM UG, Principal element: "You cannot use a wildcard to match part of a principal name or ARN."
  it('reads * inside an ARN literally', () => {
    expect(principalVerdict({ AWS: `arn:aws:iam::${ACCOUNT}:role/*` }).applies).toBe(false);
  });

  it('reports the most specific entry that names the caller', () => {
    expect(principalVerdict({ AWS: ['*', ACCOUNT, ROLE_ARN, SESSION_ARN] })).toMatchObject({ applies: true, principalMatch: 'session' });
    expect(principalVerdict({ AWS: [ACCOUNT, ROLE_ARN] })).toMatchObject({ applies: true, principalMatch: 'role' });
  });

  it('depends on who called when the record does not say', () => {
    const unknown: RequestPrincipal = { type: 'unknown', arn: null, sessionArn: null, accountId: ACCOUNT, serviceLinked: false };
    const accountOnly: RequestPrincipal = { type: 'aws-account', arn: null, sessionArn: null, accountId: ACCOUNT, serviceLinked: false };
    expect(principalVerdict({ AWS: ROLE_ARN }, unknown).applies).toBe('unresolved');
    expect(principalVerdict({ AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/app` }, unknown).applies).toBe(false);
    expect(principalVerdict({ AWS: ACCOUNT }, unknown)).toMatchObject({ applies: true, principalMatch: 'account' });
    expect(principalVerdict({ AWS: ROLE_ARN }, accountOnly).applies).toBe('unresolved');
    const sessionOfUnknownRole: RequestPrincipal = { ...SESSION, arn: null };
    expect(principalVerdict({ AWS: ROLE_ARN }, sessionOfUnknownRole).applies).toBe('unresolved');
    expect(principalVerdict({ AWS: `arn:aws:iam::${ACCOUNT}:user/app` }, sessionOfUnknownRole).applies).toBe(false);
  });
});

// IAM UG, NotPrincipal: "AWS might validate the account first, then the role, and then the assumed-role user ...
// we strongly recommend that you explicitly include the ARN for a user's account, or include both the ARN for a role
// and the ARN for the account containing that role."
describe('NotPrincipal with Deny', () => {
  const notPrincipalVerdict = (listed: string[], caller: RequestPrincipal = SESSION) =>
    verdictOf(
      { Effect: 'Deny', NotPrincipal: { AWS: listed }, Action: '*', Resource: '*' },
      request({ principal: caller }),
      RESOURCE_POLICY,
    );

  it('spares the caller when the session, its role and its account are listed', () => {
    expect(notPrincipalVerdict([SESSION_ARN, ROLE_ARN, `arn:aws:iam::${ACCOUNT}:root`])).toMatchObject({
      applies: false,
      principalMatch: null,
    });
  });

  it('denies a caller whose chain is only partly listed', () => {
    expect(notPrincipalVerdict([SESSION_ARN])).toMatchObject({ applies: true, principalMatch: 'not-principal' });
    expect(notPrincipalVerdict([SESSION_ARN, ROLE_ARN])).toMatchObject({ applies: true, principalMatch: 'not-principal' });
    expect(notPrincipalVerdict([ACCOUNT])).toMatchObject({ applies: true, principalMatch: 'not-principal' });
  });

  it('spares a user listed with its account (the documented Bob example)', () => {
    const bob: RequestPrincipal = {
      type: 'iam-user',
      arn: `arn:aws:iam::${OTHER_ACCOUNT}:user/Bob`,
      sessionArn: null,
      accountId: OTHER_ACCOUNT,
      serviceLinked: false,
    };
    const listed = [`arn:aws:iam::${OTHER_ACCOUNT}:user/Bob`, `arn:aws:iam::${OTHER_ACCOUNT}:root`];
    expect(notPrincipalVerdict(listed, bob).applies).toBe(false);
    expect(notPrincipalVerdict(listed).applies).toBe(true);
  });

  it('depends on who called when the caller is only partly known and what is known is listed', () => {
    const accountOnly: RequestPrincipal = { type: 'aws-account', arn: null, sessionArn: null, accountId: ACCOUNT, serviceLinked: false };
    expect(notPrincipalVerdict([ACCOUNT], accountOnly).applies).toBe('unresolved');
    expect(notPrincipalVerdict([OTHER_ACCOUNT], accountOnly).applies).toBe(true);
    expect(notPrincipalVerdict(['*'], accountOnly).applies).toBe(false);
  });
});

describe('three-valued statements', () => {
  it('applies only when every part matches', () => {
    const statement = {
      Effect: 'Deny',
      Action: 'dynamodb:*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'orders' }, Bool: { 'aws:SecureTransport': 'true' } },
    };
    expect(verdictOf(statement, request({ keys: { 'aws:PrincipalTag/team': 'orders', 'aws:SecureTransport': 'true' } })).applies).toBe(
      true,
    );
    // "a block whose other condition is false is false", whatever the unresolved one would say
    expect(verdictOf(statement, request({ keys: { 'aws:SecureTransport': 'false' } })).applies).toBe(false);
    expect(verdictOf(statement, request({ keys: { 'aws:SecureTransport': 'true' } })).applies).toBe('unresolved');
  });

  // IAM UG, "Creating a condition with multiple keys or values": "If your policy has multiple condition operators or
  // multiple keys attached to a single condition operator, the conditions are evaluated using a logical AND" — the
  // documented block with StringEqualsIgnoreCase on two principal tags and StringEquals on aws:PrincipalAccount.
  it('ANDs every key of every operator, ORs the values of one key', () => {
    const statement = {
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: {
        StringEqualsIgnoreCase: {
          'aws:PrincipalTag/department': ['finance', 'hr', 'legal'],
          'aws:PrincipalTag/role': ['audit', 'security'],
        },
        StringEquals: { 'aws:PrincipalAccount': '123456789012' },
      },
    };
    const keys = { 'aws:PrincipalTag/department': 'HR', 'aws:PrincipalTag/role': 'Audit', 'aws:PrincipalAccount': '123456789012' };
    expect(verdictOf(statement, request({ keys })).applies).toBe(true);
    expect(verdictOf(statement, request({ keys: { ...keys, 'aws:PrincipalTag/role': 'dev' } })).applies).toBe(false);
    expect(verdictOf(statement, request({ keys: { ...keys, 'aws:PrincipalAccount': '111122223333' } })).applies).toBe(false);
    expect(verdictOf(statement, request({ keys: { ...keys, 'aws:PrincipalTag/role': 'absent' } })).applies).toBe(false);
    expect(verdictOf(statement, request({ keys })).conditions.map((condition) => condition.key)).toEqual([
      'aws:PrincipalTag/department',
      'aws:PrincipalTag/role',
      'aws:PrincipalAccount',
    ]);
  });

  it('reports every condition with its result once the scope matches', () => {
    const verdict = verdictOf(
      {
        Effect: 'Deny',
        Action: 'dynamodb:*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' }, NumericGreaterThan: { 'dynamodb:ReturnConsumedCapacity': 1 } },
      },
      request({ keys: { 'aws:SourceVpce': 'absent' } }),
    );
    expect(verdict.conditions).toEqual([
      { operator: 'StringNotEquals', key: 'aws:SourceVpce', values: ['vpce-1'], actual: null, result: true },
      { operator: 'NumericGreaterThan', key: 'dynamodb:ReturnConsumedCapacity', values: ['1'], actual: null, result: 'unresolved' },
    ]);
    expect(verdict.applies).toBe('unresolved');
  });

  it('does not evaluate conditions of a statement whose action, resource or principal rules it out', () => {
    const condition = { StringEquals: { 'aws:PrincipalTag/team': 'orders' } };
    expect(verdictOf({ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: condition })).toMatchObject({
      applies: false,
      conditions: [],
    });
    expect(verdictOf({ Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::b', Condition: condition })).toMatchObject({
      applies: false,
      conditions: [],
    });
  });

  it('is unresolved, not false, when the resource is unknown but the conditions hold', () => {
    expect(
      verdictOf(
        { Effect: 'Deny', Action: '*', Resource: TABLE_ARN, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        request({ resource: null, keys: { 'aws:SecureTransport': 'false' } }),
      ).applies,
    ).toBe('unresolved');
  });
});

describe('evaluatePolicy', () => {
  it('judges every statement in order, with its index, Sid, effect and the statement as written', () => {
    const statements = [
      { Sid: 'ReadOrders', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE_ARN },
      { Effect: 'Deny', Action: 'dynamodb:DeleteTable', Resource: '*' },
    ];
    const verdicts = evaluatePolicy(parsePolicyDocument({ Version: '2012-10-17', Statement: statements }), request());
    expect(verdicts).toEqual([
      {
        statementIndex: 0,
        sid: 'ReadOrders',
        effect: 'Allow',
        statement: statements[0],
        applies: true,
        principalMatch: null,
        conditions: [],
      },
      { statementIndex: 1, sid: null, effect: 'Deny', statement: statements[1], applies: false, principalMatch: null, conditions: [] },
    ]);
  });

  it('evaluateStatement takes the index it reports', () => {
    const document = parsePolicyDocument({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } });
    expect(evaluateStatement(document.statements[0], 3, request()).statementIndex).toBe(3);
  });
});
