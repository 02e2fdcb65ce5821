import { diagnose, type CloudTrailRecord, type Diagnosis } from '../../../core/diagnosis';
import { mergeNeeds, needsOfDiagnosis, NO_NEEDS, tableArnOf } from '../../../core/policy/needs';
import { mergeStoreFiles } from '../../../core/policy/store-fragment';

const ACCOUNT = '111122223333';
const TABLE = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/Orders`;

function denial(overrides: Partial<CloudTrailRecord>): Diagnosis {
  const record: CloudTrailRecord = {
    eventID: 'e1',
    eventTime: '2026-11-27T09:00:00Z',
    eventSource: 'dynamodb.amazonaws.com',
    eventName: 'GetItem',
    awsRegion: 'eu-west-1',
    errorCode: 'AccessDenied',
    recipientAccountId: ACCOUNT,
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`,
      accountId: ACCOUNT,
      sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/service/app` } },
    },
    errorMessage: `User: arn:aws:sts::${ACCOUNT}:assumed-role/app/s1 is not authorized to perform: dynamodb:GetItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:GetItem action`,
    ...overrides,
  };
  const diagnosis = diagnose(record);
  if (!diagnosis) throw new Error('not a denial');
  return diagnosis;
}

describe('needsOfDiagnosis', () => {
  it('a session: its role (with the path sessionIssuer gives), the table; the organization only when asked', () => {
    expect(needsOfDiagnosis(denial({}), { organization: false })).toEqual({
      ...NO_NEEDS,
      principals: [`arn:aws:iam::${ACCOUNT}:role/service/app`],
      resources: [TABLE],
    });
    expect(needsOfDiagnosis(denial({}), { organization: true }).accounts).toEqual([ACCOUNT]);
  });

  it('an index: its table; a stream: the stream and its table', () => {
    const index = `${TABLE}/index/byCustomer`;
    const stream = `${TABLE}/stream/2026-01-01T00:00:00.000`;
    const message = (resource: string) =>
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/app/s1 is not authorized to perform: dynamodb:Query on resource: ${resource} because no identity-based policy allows the dynamodb:Query action`;
    expect(needsOfDiagnosis(denial({ errorMessage: message(index) }), { organization: false }).resources).toEqual([TABLE]);
    expect(needsOfDiagnosis(denial({ errorMessage: message(stream) }), { organization: false }).resources).toEqual([stream, TABLE]);
  });

  it("a KMS call on DynamoDB's behalf: the key and the table named by the encryption context", () => {
    const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const needs = needsOfDiagnosis(
      denial({
        eventSource: 'kms.amazonaws.com',
        eventName: 'Decrypt',
        errorMessage: `User: arn:aws:sts::${ACCOUNT}:assumed-role/app/s1 is not authorized to perform: kms:Decrypt on resource: ${key} because no resource-based policy allows the kms:Decrypt action`,
        requestParameters: { encryptionContext: { 'aws:dynamodb:tableName': 'Orders', 'aws:dynamodb:subscriberId': ACCOUNT } },
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`,
          accountId: ACCOUNT,
          invokedBy: 'dynamodb.amazonaws.com',
        },
      }),
      { organization: false },
    );
    expect(needs).toMatchObject({ keys: [key], resources: [TABLE] });
  });

  it("a VPC endpoint the call went through, in the event's region; a root or service caller has no policies to read", () => {
    expect(needsOfDiagnosis(denial({ vpcEndpointId: 'vpce-0a1b2c3d4e5f67890' }), { organization: false }).vpcEndpoints).toEqual([
      { id: 'vpce-0a1b2c3d4e5f67890', region: 'eu-west-1' },
    ]);
    expect(
      needsOfDiagnosis(denial({ userIdentity: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT } }), {
        organization: false,
      }).principals,
    ).toEqual([]);
  });

  it('merging names each thing once', () => {
    const one = needsOfDiagnosis(denial({}), { organization: true });
    expect(mergeNeeds([one, one, NO_NEEDS])).toEqual(one);
  });

  it('tableArnOf', () => {
    expect(tableArnOf(`${TABLE}/index/x`)).toBe(TABLE);
    expect(tableArnOf('arn:aws:s3:::bucket')).toBeNull();
  });
});

describe('mergeStoreFiles', () => {
  it('joins fragments: parts per thing combined, organization maps joined, earliest capturedAt, empty parts dropped', () => {
    const merged = mergeStoreFiles([
      {
        format: 'denyscope-policies/1',
        capturedAt: '2026-11-27T10:00:05Z',
        principals: { a: { tags: { x: '1' } } },
        organization: { id: 'o-1', serviceControlPolicies: { 'r-1': [] } },
      },
      {
        format: 'denyscope-policies/1',
        capturedAt: '2026-11-27T10:00:01Z',
        principals: { a: { policies: [] }, b: { tags: {} } },
        keys: {},
        organization: { accounts: { [ACCOUNT]: ['r-1'] } },
      },
    ]);
    expect(merged).toEqual({
      format: 'denyscope-policies/1',
      capturedAt: '2026-11-27T10:00:01Z',
      principals: { a: { tags: { x: '1' }, policies: [] }, b: { tags: {} } },
      organization: { id: 'o-1', accounts: { [ACCOUNT]: ['r-1'] }, serviceControlPolicies: { 'r-1': [] } },
    });
  });
});
