import { CAUSES, diagnose, isDenial, readRecords, type CloudTrailRecord, type Diagnosis } from '../../../core/diagnosis';
import { loadSample, sampleFiles } from './samples';

const sampleRecord = (file: string): CloudTrailRecord => loadSample(file).detail as CloudTrailRecord;
const diagnoseSample = (file: string): Diagnosis => {
  const diagnosis = diagnose(sampleRecord(file));
  if (!diagnosis) throw new Error(`${file} is not a denial`);
  return diagnosis;
};
const MESSAGE_HEAD =
  'User: arn:aws:sts::111122223333:assumed-role/app/s1 is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/Orders';
const withMessage = (errorMessage: string | undefined, changes: Partial<CloudTrailRecord> = {}): CloudTrailRecord => ({
  ...sampleRecord('identity-policy-implicit.json'),
  errorMessage,
  ...changes,
});

describe('the bundled samples: one per cause and denial kind', () => {
  it.each([
    ['identity-policy-implicit.json', 'identity-policy', 'implicit', 'certain'],
    ['identity-policy-explicit.json', 'identity-policy', 'explicit', 'certain'],
    ['service-control-policy-explicit.json', 'service-control-policy', 'explicit', 'certain'],
    ['resource-control-policy.json', 'resource-control-policy', 'explicit', 'certain'],
    ['vpc-endpoint-policy.json', 'vpc-endpoint-policy', 'explicit', 'certain'],
    ['vpc-endpoint-network-activity.json', 'vpc-endpoint-policy', 'unknown', 'certain'],
    ['permissions-boundary.json', 'permissions-boundary', 'implicit', 'certain'],
    ['session-policy.json', 'session-policy', 'implicit', 'certain'],
    ['resource-policy-cross-account.json', 'resource-policy', 'implicit', 'certain'],
    ['mfa-required.json', 'mfa-required', 'explicit', 'likely'],
    ['kms-key-access.json', 'kms-key-access', 'implicit', 'certain'],
    ['kms-decrypt-invoked-by-dynamodb.json', 'kms-key-access', 'implicit', 'certain'],
    ['kms-key-disabled.json', 'kms-key-unusable', 'unknown', 'certain'],
    ['kms-key-pending-deletion.json', 'kms-key-unusable', 'unknown', 'certain'],
    ['unknown-no-message.json', 'unknown', 'unknown', 'likely'],
    ['transact-write-items-delete.json', 'identity-policy', 'implicit', 'certain'],
  ])('%s → %s, %s, %s', (file, cause, denial, confidence) => {
    expect(diagnoseSample(file)).toMatchObject({ cause, denial, confidence });
  });

  it('cover every cause', () => {
    const causes = new Set(
      sampleFiles()
        .map((file) => diagnose(sampleRecord(file))?.cause)
        .filter(Boolean),
    );
    expect([...causes].sort()).toEqual([...CAUSES].sort());
  });

  it.each(['not-a-denial-success.json', 'not-a-denial-conditional-check.json', 'not-a-denial-throttling.json'])(
    '%s is not a denial',
    (file) => {
      expect(isDenial(sampleRecord(file))).toBe(false);
      expect(diagnose(sampleRecord(file))).toBeNull();
    },
  );

  it('read through readRecords like any EventBridge event', () => {
    const records = readRecords(JSON.stringify(loadSample('session-policy.json')), 'session-policy.json');
    expect(records.map(diagnose).map((d) => d?.cause)).toEqual(['session-policy']);
  });
});

describe('every policy type, explicit and implicit', () => {
  it.each([
    ['identity-based policy', 'identity-policy'],
    ['service control policy', 'service-control-policy'],
    ['resource control policy', 'resource-control-policy'],
    ['VPC endpoint policy', 'vpc-endpoint-policy'],
    ['permissions boundary', 'permissions-boundary'],
    ['session policy', 'session-policy'],
    ['sessions policy', 'session-policy'],
    ['resource-based policy', 'resource-policy'],
  ])('%s → %s: explicit has no snippet, implicit has one', (type, cause) => {
    const explicit = diagnose(withMessage(`${MESSAGE_HEAD} with an explicit deny in a ${type}`))!;
    const implicit = diagnose(withMessage(`${MESSAGE_HEAD} because no ${type} allows the dynamodb:GetItem action`))!;
    expect(explicit).toMatchObject({ cause, denial: 'explicit', policyType: type, confidence: 'certain', hypotheses: [] });
    expect(implicit).toMatchObject({ cause, denial: 'implicit', policyType: type, confidence: 'certain' });
    expect(explicit.remediation.policySnippet).toBeNull();
    if (cause !== 'resource-control-policy')
      expect(implicit.remediation.policySnippet?.document).toMatchObject({
        Statement: [expect.objectContaining({ Effect: 'Allow', Action: 'dynamodb:GetItem' })],
      });
  });
});

describe('the JSON contract, field by field', () => {
  it('on the SCP sample', () => {
    const diagnosis = diagnoseSample('service-control-policy-explicit.json');
    const { remediation, ...fields } = diagnosis;
    expect(fields).toEqual({
      eventId: '0b6f3c52-7d1e-4a9b-9c2f-1a2b3c4d5e03',
      sharedEventId: null,
      eventTime: '2026-11-20T10:02:17.000Z',
      eventSource: 'dynamodb.amazonaws.com',
      eventName: 'PutItem',
      region: 'eu-west-1',
      accountId: '111122223333',
      principal: 'arn:aws:iam::111122223333:role/app-backend',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/app-backend/i-0a1b2c3d4e5f60718',
      action: 'dynamodb:PutItem',
      resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
      tableName: 'Orders',
      cause: 'service-control-policy',
      denial: 'explicit',
      policyType: 'service control policy',
      policyArn: 'arn:aws:organizations::123456789012:policy/o-a1b2c3d4e5/service_control_policy/p-examplescp1',
      policyChain: ['service control policy'],
      authorizationId: null,
      mfaAuthenticated: false,
      viaVpcEndpoint: null,
      crossAccount: false,
      // The sample records readOnly false (PutItem) and an SDK user agent.
      readOnly: false,
      consoleSession: false,
      confidence: 'certain',
      hypotheses: [],
      errorCode: 'AccessDenied',
      errorMessage: sampleRecord('service-control-policy-explicit.json').errorMessage,
      evaluation: null,
    });
    expect(remediation.summary).toBe('A service control policy of your AWS Organization denies dynamodb:PutItem for account 111122223333.');
    expect(remediation.policySnippet).toBeNull();
    expect(remediation.steps.length).toBeGreaterThanOrEqual(3);
    expect(remediation.commands.map((command) => command.command)).toEqual([
      'aws organizations describe-policy --policy-id p-examplescp1',
      'aws organizations list-policies-for-target --target-id 111122223333 --filter SERVICE_CONTROL_POLICY',
      'aws organizations list-parents --child-id 111122223333',
      'aws iam simulate-principal-policy --policy-source-arn arn:aws:iam::111122223333:role/app-backend --action-names dynamodb:PutItem --resource-arns arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
    ]);
    expect(remediation.docs.map((link) => link.url)).toContain(
      'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html',
    );
  });

  it("carries its remediation through spreading and structured cloning (a worker thread's postMessage)", () => {
    const diagnosis = diagnoseSample('permissions-boundary.json');
    expect({ ...diagnosis }.remediation).toEqual(diagnosis.remediation);
    expect(structuredClone(diagnosis)).toEqual({ ...diagnosis });
    expect(Object.keys(diagnosis)).toContain('remediation');
  });

  it('survives a JSON round trip unchanged (no undefined, no functions)', () => {
    const diagnosis = diagnoseSample('kms-key-access.json');
    expect(JSON.parse(JSON.stringify(diagnosis))).toEqual(diagnosis);
  });
});

describe('authorizationId', () => {
  it('comes from the message; null without one', () => {
    const record = sampleRecord('identity-policy-implicit.json');
    const withId = {
      ...record,
      errorMessage: `${record.errorMessage}. Go to https://us-east-1.console.aws.amazon.com/iam/home?region=us-east-1#/authorization-details/ab12cd34 for complete details, or call the GetRequestAuthorizationDetails API with the following authorization id: ab12cd34`,
    };
    expect(diagnose(withId)).toMatchObject({ authorizationId: 'ab12cd34', cause: 'identity-policy', denial: 'implicit' });
    expect(diagnose(record)?.authorizationId).toBeNull();
  });
});

describe('isDenial', () => {
  it.each([['AccessDenied'], ['AccessDeniedException'], ['UnauthorizedOperation'], ['Client.UnauthorizedOperation'], ['VpceAccessDenied']])(
    '%s is a denial, even without errorMessage',
    (errorCode) => {
      expect(isDenial({ errorCode })).toBe(true);
    },
  );

  it.each([
    ['ThrottlingException'],
    ['ConditionalCheckFailedException'],
    ['ResourceNotFoundException'],
    ['ValidationException'],
    ['NotFoundException'],
  ])('%s is not', (errorCode) => {
    expect(isDenial({ errorCode, errorMessage: 'something went wrong' })).toBe(false);
  });

  it("DynamoDB's KMS key failures are denials even as ValidationException", () => {
    expect(
      isDenial({
        errorCode: 'ValidationException',
        errorMessage: 'KMS key disabled error: com.amazonaws.services.kms.model.DisabledException: arn:aws:kms:... is disabled.',
      }),
    ).toBe(true);
    expect(
      isDenial({
        errorCode: 'ValidationException',
        errorMessage:
          'KMS validation error: com.amazonaws.services.kms.model.KMSInvalidStateException: arn:aws:kms:... is pending deletion.',
      }),
    ).toBe(true);
    expect(
      isDenial({
        errorCode: 'ValidationException',
        errorMessage: 'KMS validation error: com.amazonaws.services.kms.model.NotFoundException: Key does not exist',
      }),
    ).toBe(true);
    expect(isDenial({ errorCode: 'ValidationException', errorMessage: 'One or more parameter values were invalid' })).toBe(false);
  });

  it('a success, or an errorMessage without errorCode, is not', () => {
    expect(isDenial({ eventName: 'GetItem' })).toBe(false);
    expect(isDenial({ errorMessage: 'Failed authentication' })).toBe(false);
  });
});

describe('principal', () => {
  it('an assumed-role session without sessionIssuer: the role ARN derived from the sts ARN', () => {
    const record = withMessage(undefined, {
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/app/s1', accountId: '111122223333' },
    });
    expect(diagnose(record)).toMatchObject({
      principal: 'arn:aws:iam::111122223333:role/app',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/app/s1',
    });
  });

  it('an assumed-role session with sessionIssuer keeps the role path', () => {
    expect(diagnoseSample('permissions-boundary.json').principal).toBe('arn:aws:iam::111122223333:role/developers/team-payments-dev');
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'IAMUser',
      { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' },
      'arn:aws:iam::111122223333:user/alice',
    ],
    ['IAMUser without ARN', { type: 'IAMUser', userName: 'alice', accountId: '111122223333' }, 'arn:aws:iam::111122223333:user/alice'],
    ['Root', { type: 'Root', accountId: '111122223333' }, 'arn:aws:iam::111122223333:root'],
    ['AWSAccount', { type: 'AWSAccount', accountId: '444455556666', principalId: 'AROAX:s' }, '444455556666'],
    ['AWSService', { type: 'AWSService', invokedBy: 'dynamodb.amazonaws.com' }, 'dynamodb.amazonaws.com'],
    [
      'FederatedUser',
      {
        type: 'FederatedUser',
        arn: 'arn:aws:sts::111122223333:federated-user/bob',
        accountId: '111122223333',
        sessionContext: { sessionIssuer: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/broker' } },
      },
      'arn:aws:iam::111122223333:user/broker',
    ],
    [
      'IdentityCenterUser',
      {
        type: 'IdentityCenterUser',
        accountId: '111122223333',
        onBehalfOf: { userId: 'u-123', identityStoreArn: 'arn:aws:identitystore::111122223333:identitystore/d-1' },
      },
      'arn:aws:identitystore::111122223333:identitystore/d-1/user/u-123',
    ],
  ])('%s', (_type, userIdentity, principal) => {
    expect(diagnose(withMessage(undefined, { userIdentity }))?.principal).toBe(principal);
  });

  it('no userIdentity at all: the caller ARN from the message', () => {
    expect(
      diagnose(
        withMessage(`${MESSAGE_HEAD} because no identity-based policy allows the dynamodb:GetItem action`, { userIdentity: undefined }),
      ),
    ).toMatchObject({
      principal: 'arn:aws:iam::111122223333:role/app',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/app/s1',
    });
  });
});

describe('action, resource and table', () => {
  it('TransactWriteItems reports the action the message names', () => {
    expect(diagnoseSample('transact-write-items-delete.json')).toMatchObject({
      eventName: 'TransactWriteItems',
      action: 'dynamodb:DeleteItem',
      tableName: 'Carts',
    });
  });

  it("a lower-cased action takes the event's spelling", () => {
    const record = withMessage(
      'User: arn:aws:iam::111122223333:user/u is not authorized to perform: dynamodb:getitem because no identity-based policy allows the dynamodb:getitem action',
    );
    expect(diagnose(record)?.action).toBe('dynamodb:GetItem');
  });

  it('without a message: service prefix + eventName, resource from resources[]', () => {
    expect(diagnoseSample('unknown-no-message.json')).toMatchObject({
      action: 'dynamodb:BatchGetItem',
      resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Products',
      tableName: 'Products',
    });
  });

  it('resource built from requestParameters.tableName when resources[] is absent', () => {
    const record = withMessage(undefined, { resources: undefined, requestParameters: { tableName: 'Orders' } });
    expect(diagnose(record)).toMatchObject({ resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders', tableName: 'Orders' });
  });

  it('a table ARN built for a China region uses the aws-cn partition', () => {
    const record = withMessage(undefined, { resources: undefined, requestParameters: { tableName: 'Orders' }, awsRegion: 'cn-north-1' });
    expect(diagnose(record)?.resource).toBe('arn:aws-cn:dynamodb:cn-north-1:111122223333:table/Orders');
  });

  it.each([
    ['arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/index/byCustomer', 'Orders'],
    ['arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/stream/2026-11-01T00:00:00.000', 'Orders'],
    ['arn:aws:dynamodb:eu-west-1:111122223333:table/*', null],
  ])('table name of %s', (resource, tableName) => {
    const record = withMessage(
      `User: arn:aws:iam::111122223333:user/u is not authorized to perform: dynamodb:Query on resource: ${resource} because no identity-based policy allows the dynamodb:Query action`,
      { requestParameters: null, resources: null },
    );
    expect(diagnose(record)).toMatchObject({ resource, tableName });
  });

  it('table name from a KMS encryption context', () => {
    expect(diagnoseSample('kms-decrypt-invoked-by-dynamodb.json').tableName).toBe('Invoices');
  });
});

describe('rules that need more than the message', () => {
  it('mfa-required: explicit identity deny, IAM user, no MFA (mfaAuthenticated "false" too)', () => {
    const user = {
      type: 'IAMUser',
      arn: 'arn:aws:iam::111122223333:user/alice',
      accountId: '111122223333',
      sessionContext: { attributes: { mfaAuthenticated: 'false' } },
    };
    const message = `${MESSAGE_HEAD} with an explicit deny in an identity-based policy`;
    expect(diagnose(withMessage(message, { userIdentity: user }))).toMatchObject({
      cause: 'mfa-required',
      confidence: 'likely',
      mfaAuthenticated: false,
      policyType: 'identity-based policy',
    });
  });

  it('not mfa-required when the user did use MFA, or the caller is a role', () => {
    const message = `${MESSAGE_HEAD} with an explicit deny in an identity-based policy`;
    const withMfa = {
      type: 'IAMUser',
      arn: 'arn:aws:iam::111122223333:user/alice',
      accountId: '111122223333',
      sessionContext: { attributes: { mfaAuthenticated: 'true' } },
    };
    expect(diagnose(withMessage(message, { userIdentity: withMfa }))?.cause).toBe('identity-policy');
    expect(diagnose(withMessage(message))?.cause).toBe('identity-policy');
  });

  it('kms-key-access for a KMS call with the DynamoDB encryption context, keeping the explicit deny and its policy type', () => {
    const record = { ...sampleRecord('kms-decrypt-invoked-by-dynamodb.json') };
    record.userIdentity = { ...record.userIdentity, invokedBy: undefined };
    record.errorMessage =
      'User: arn:aws:sts::111122223333:assumed-role/reporting/r is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:111122223333:key/k with an explicit deny in a service control policy';
    expect(diagnose(record)).toMatchObject({
      cause: 'kms-key-access',
      denial: 'explicit',
      policyType: 'service control policy',
      confidence: 'certain',
    });
  });

  it('kms-key-unusable for a key that does not exist', () => {
    const record = withMessage(
      "KMS validation error: com.amazonaws.services.kms.model.NotFoundException: Key 'arn:aws:kms:eu-west-1:111122223333:key/gone' does not exist (Service: AWSKMS; Status Code: 400)",
      { errorCode: 'ValidationException', eventName: 'UpdateTable' },
    );
    expect(diagnose(record)).toMatchObject({ cause: 'kms-key-unusable', confidence: 'certain' });
  });

  it('a transitive chain: the cause is the first policy named, the chain is kept', () => {
    expect(
      diagnose(withMessage(`${MESSAGE_HEAD} with an explicit deny in a VPC endpoint policy transitively through a service control policy`)),
    ).toMatchObject({
      cause: 'vpc-endpoint-policy',
      policyChain: ['VPC endpoint policy', 'service control policy'],
    });
  });

  it('role trust policy denials of sts:AssumeRole are resource-policy', () => {
    const record = withMessage(
      'User: arn:aws:iam::111122223333:user/u is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/admin because no role trust policy allows the sts:AssumeRole action',
      { eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole' },
    );
    const diagnosis = diagnose(record)!;
    expect(diagnosis).toMatchObject({ cause: 'resource-policy', action: 'sts:AssumeRole' });
    expect(diagnosis.remediation.commands.map((c) => c.command)).toContain(
      'aws iam get-role --role-name admin --query Role.AssumeRolePolicyDocument',
    );
    expect(diagnosis.remediation.policySnippet?.attachTo).toBe('trust policy of arn:aws:iam::111122223333:role/admin');
  });

  it('an explicit deny naming no policy type: unknown but explicit, hypotheses ranked', () => {
    expect(diagnose(withMessage(`${MESSAGE_HEAD} with an explicit deny`))).toMatchObject({
      cause: 'unknown',
      denial: 'explicit',
      policyType: null,
      hypotheses: [
        'service-control-policy',
        'identity-policy',
        'resource-control-policy',
        'resource-policy',
        'permissions-boundary',
        'session-policy',
      ],
    });
  });

  it('hypotheses follow the context: cross-account → resource-policy, endpoint → vpc-endpoint-policy, no MFA → mfa-required', () => {
    const record = withMessage(undefined, {
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::444455556666:user/u', accountId: '444455556666' },
      vpcEndpointId: 'vpce-1',
    });
    expect(diagnose(record)?.hypotheses.slice(0, 3)).toEqual(['resource-policy', 'vpc-endpoint-policy', 'mfa-required']);
  });

  it("crossAccount compares the caller's account with the resource's", () => {
    expect(diagnoseSample('resource-policy-cross-account.json')).toMatchObject({ crossAccount: true, accountId: '111122223333' });
    expect(diagnoseSample('identity-policy-implicit.json').crossAccount).toBe(false);
  });
});

describe('odd records never throw', () => {
  it.each<[string, CloudTrailRecord]>([
    ['only an errorCode', { errorCode: 'AccessDenied' }],
    [
      'fields of the wrong types',
      {
        errorCode: 'AccessDenied',
        errorMessage: 42 as unknown as string,
        userIdentity: 'x' as unknown as CloudTrailRecord['userIdentity'],
        resources: {} as unknown as null,
        requestParameters: [] as unknown as null,
        eventTime: 7 as unknown as string,
      },
    ],
    [
      'null everywhere',
      {
        errorCode: 'AccessDenied',
        userIdentity: null as unknown as undefined,
        resources: [null] as unknown as null,
        requestParameters: null,
      },
    ],
  ])('%s', (_name, record) => {
    const diagnosis = diagnose(record)!;
    expect(diagnosis).toMatchObject({ eventId: 'unknown', eventTime: '', cause: 'unknown', principal: 'unknown', action: 'unknown' });
    expect(diagnosis.remediation.summary).not.toBe('');
  });
});
