import { causeOfPolicyType, normalizeEventTime, parseAccessDeniedMessage } from '../../../core/diagnosis';

const USER =
  'User: arn:aws:sts::111122223333:assumed-role/app/s1 is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/Orders';

describe('parseAccessDeniedMessage', () => {
  it('reads caller, action, resource and an implicit denial', () => {
    expect(parseAccessDeniedMessage(`${USER} because no identity-based policy allows the dynamodb:GetItem action`)).toEqual({
      callerArn: 'arn:aws:sts::111122223333:assumed-role/app/s1',
      action: 'dynamodb:GetItem',
      resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
      policyType: 'identity-based policy',
      denial: 'implicit',
      policyArn: null,
      policyChain: ['identity-based policy'],
      encodedAuthorizationMessage: null,
      authorizationId: null,
    });
  });

  it.each([
    ['identity-based policy', 'an identity-based policy', 'identity-policy'],
    ['service control policy', 'a service control policy', 'service-control-policy'],
    ['resource control policy', 'a resource control policy', 'resource-control-policy'],
    ['VPC endpoint policy', 'a VPC endpoint policy', 'vpc-endpoint-policy'],
    ['permissions boundary', 'a permissions boundary', 'permissions-boundary'],
    ['session policy', 'a session policy', 'session-policy'],
    ['sessions policy', 'a sessions policy', 'session-policy'],
    ['resource-based policy', 'a resource-based policy', 'resource-policy'],
    ['role trust policy', 'a role trust policy', 'resource-policy'],
  ])('explicit deny in %s', (type, phrase, cause) => {
    const parsed = parseAccessDeniedMessage(`${USER} with an explicit deny in ${phrase}`);
    expect(parsed).toMatchObject({ denial: 'explicit', policyType: type, policyArn: null, policyChain: [type] });
    expect(causeOfPolicyType(parsed.policyType!)).toBe(cause);
  });

  it.each([
    ['identity-based policy'],
    ['permissions boundary'],
    ['session policy'],
    ['resource-based policy'],
    ['VPC endpoint policy'],
    ['service control policy'],
  ])('implicit: because no %s allows', (type) => {
    expect(parseAccessDeniedMessage(`${USER} because no ${type} allows the dynamodb:GetItem action`)).toMatchObject({
      denial: 'implicit',
      policyType: type,
    });
  });

  it('a transitive chain keeps every policy type, the first is the cause', () => {
    const parsed = parseAccessDeniedMessage(
      `${USER} with an explicit deny in a VPC endpoint policy transitively through a service control policy`,
    );
    expect(parsed.policyChain).toEqual(['VPC endpoint policy', 'service control policy']);
    expect(parsed.policyType).toBe('VPC endpoint policy');
  });

  it('the appended policy ARN in the ": arn:..." form', () => {
    const arn = 'arn:aws:organizations::123456789012:policy/o-a1b2c3d4e5/service_control_policy/p-examplescp1';
    expect(parseAccessDeniedMessage(`${USER} with an explicit deny in a service control policy: ${arn}`)).toMatchObject({
      policyType: 'service control policy',
      policyArn: arn,
    });
  });

  it('the appended policy ARN in the ", with policy ARN: arn:..." form, and with a trailing period', () => {
    const arn = 'arn:aws:iam::111122223333:policy/DenyDeletes';
    expect(parseAccessDeniedMessage(`${USER} with an explicit deny in an identity-based policy, with policy ARN: ${arn}.`)).toMatchObject({
      policyType: 'identity-based policy',
      policyArn: arn,
    });
  });

  it('a chain followed by an ARN', () => {
    const arn = 'arn:aws:organizations::123456789012:policy/o-a1b2c3d4e5/service_control_policy/p-1';
    expect(
      parseAccessDeniedMessage(
        `${USER} with an explicit deny in a VPC endpoint policy transitively through a service control policy: ${arn}`,
      ),
    ).toMatchObject({
      policyChain: ['VPC endpoint policy', 'service control policy'],
      policyArn: arn,
    });
  });

  it('an explicit deny that names no type', () => {
    expect(parseAccessDeniedMessage(`${USER} with an explicit deny`)).toMatchObject({
      denial: 'explicit',
      policyType: null,
      policyChain: [],
    });
  });

  it('a legacy message with no reason clause', () => {
    expect(parseAccessDeniedMessage(USER)).toMatchObject({
      denial: 'unknown',
      policyType: null,
      resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
    });
  });

  it('a legacy message without the caller ARN', () => {
    expect(parseAccessDeniedMessage('User is not authorized to perform: rds:StopActivityStream')).toMatchObject({
      callerArn: null,
      action: 'rds:StopActivityStream',
      resource: null,
    });
  });

  it('a lower-cased action is returned as written (diagnose() re-cases it from the event)', () => {
    expect(
      parseAccessDeniedMessage(
        'User: arn:aws:iam::1:user/u is not authorized to perform: sqs:createqueue on resource: arn:aws:sqs:us-east-1:1:q because no identity-based policy allows the sqs:createqueue action',
      ).action,
    ).toBe('sqs:createqueue');
  });

  it('the EC2 wrapper: reason and encoded blob, and the period before "Encoded" is not part of the resource', () => {
    const parsed = parseAccessDeniedMessage(
      'You are not authorized to perform this operation. User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:1:instance/* because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: AbC-123_xyz',
    );
    expect(parsed).toMatchObject({
      action: 'ec2:RunInstances',
      resource: 'arn:aws:ec2:us-east-1:1:instance/*',
      denial: 'implicit',
      encodedAuthorizationMessage: 'AbC-123_xyz',
    });
  });

  it('EC2 with only the encoded blob', () => {
    expect(
      parseAccessDeniedMessage('You are not authorized to perform this operation. Encoded authorization failure message: QkxPQg'),
    ).toMatchObject({
      callerArn: null,
      action: null,
      denial: 'unknown',
      encodedAuthorizationMessage: 'QkxPQg',
    });
  });

  it('the KMS exception text DynamoDB wraps, with "(Service: AWSKMS; ...)" after the type', () => {
    expect(
      parseAccessDeniedMessage(`${USER} with an explicit deny in a resource-based policy (Service: AWSKMS; Status Code: 400)`),
    ).toMatchObject({ policyType: 'resource-based policy', policyArn: null });
  });

  it('returns on huge crafted text (repeated phrases, long runs of spaces) and still reads its start', () => {
    const crafted = `${USER} with an explicit deny in a${' a'.repeat(200_000)}${' because no'.repeat(50_000)}${' '.repeat(200_000)}x`;
    expect(parseAccessDeniedMessage(crafted)).toMatchObject({ action: 'dynamodb:GetItem', denial: 'explicit', policyType: null });
  });

  it('text that is no access-denied message at all', () => {
    expect(parseAccessDeniedMessage('Access Denied')).toMatchObject({
      callerArn: null,
      action: null,
      resource: null,
      denial: 'unknown',
      policyType: null,
    });
  });

  describe("the authorization id of AWS's own record (2026 messages)", () => {
    // The example message of the IAM User Guide, "Troubleshoot access denied error messages with authorization ID".
    const POLICY_ARN = 'arn:aws:iam::123456789012:policy/ExampleDenyPolicy';
    const TAIL =
      'Go to https://us-east-1.console.aws.amazon.com/iam/home?region=us-east-1#/authorization-details/EXAMPLE1a2b3c4d5e for complete details, ' +
      'or call the GetRequestAuthorizationDetails API with the following authorization id: EXAMPLE1a2b3c4d5e';

    it('an explicit deny with the policy ARN: the id, and the ARN without its sentence-ending period', () => {
      expect(parseAccessDeniedMessage(`${USER} with an explicit deny in an identity-based policy: ${POLICY_ARN}. ${TAIL}`)).toEqual({
        callerArn: 'arn:aws:sts::111122223333:assumed-role/app/s1',
        action: 'dynamodb:GetItem',
        resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
        policyType: 'identity-based policy',
        denial: 'explicit',
        policyArn: POLICY_ARN,
        policyChain: ['identity-based policy'],
        encodedAuthorizationMessage: null,
        authorizationId: 'EXAMPLE1a2b3c4d5e',
      });
    });

    it('an implicit denial keeps its policy type', () => {
      expect(
        parseAccessDeniedMessage(`${USER} because no identity-based policy allows the dynamodb:GetItem action. ${TAIL}`),
      ).toMatchObject({
        denial: 'implicit',
        policyType: 'identity-based policy',
        authorizationId: 'EXAMPLE1a2b3c4d5e',
      });
    });

    it('the console link alone names the id; lower-case ids as the API reference documents them', () => {
      const link =
        'Go to https://us-east-1.console.aws.amazon.com/iam/home?region=us-east-1#/authorization-details/0a1b2c3d4e5f for complete details.';
      expect(parseAccessDeniedMessage(`${USER} with an explicit deny in a service control policy. ${link}`)).toMatchObject({
        policyType: 'service control policy',
        policyArn: null,
        authorizationId: '0a1b2c3d4e5f',
      });
    });

    it('null when the message has none', () => {
      expect(parseAccessDeniedMessage(`${USER} with an explicit deny in a service control policy`).authorizationId).toBeNull();
      expect(parseAccessDeniedMessage('with the following authorization id: ').authorizationId).toBeNull();
    });
  });
});

describe('causeOfPolicyType', () => {
  it('is case-insensitive and knows nothing else', () => {
    expect(causeOfPolicyType('Service Control Policy')).toBe('service-control-policy');
    expect(causeOfPolicyType('access control list')).toBeNull();
  });
});

describe('normalizeEventTime', () => {
  it.each([
    ['2026-11-20T09:15:00Z', '2026-11-20T09:15:00.000Z'],
    ['2017-10-10T23:01:45+0000', '2017-10-10T23:01:45.000Z'],
    ['2024-06-02 20:16:32.000000000', '2024-06-02T20:16:32.000Z'],
    ['2023-01-09 16:01:21', '2023-01-09T16:01:21.000Z'],
    ['2026-06-02T14:58:56-03:00', '2026-06-02T17:58:56.000Z'],
    ['2026-11-20T09:15:00.123456Z', '2026-11-20T09:15:00.123Z'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeEventTime(input)).toBe(expected);
  });

  it.each([[undefined], [null], [''], ['yesterday'], ['2026-02-31T00:00:00Z'], ['2026-11-20T25:00:00Z'], [1700000000]])(
    '%p is not a time',
    (input) => {
      expect(normalizeEventTime(input)).toBeNull();
    },
  );
});
