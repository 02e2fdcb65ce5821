import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnose, readRecords, type CloudTrailRecord } from '../../../core/diagnosis';
import { isServiceLinkedRole, requestContextFor, type DiagnosedCall } from '../../../core/policy/context';
import { parsePolicyStore, type PolicyStore } from '../../../core/policy/store';
import type { ContextValue, RequestContext } from '../../../core/policy/types';
import { describeWithCorpus, readCorpusFile } from '../../support/corpus';
import { loadSample } from '../diagnosis/samples';

/**
 * The request context rebuilt from CloudTrail records. The expected availability of each key is the IAM User Guide's
 * "AWS global condition context keys" (Availability paragraphs); KMS keys from "AWS KMS condition keys" and "How Amazon
 * DynamoDB uses AWS KMS" (encryption context); DynamoDB keys from "Using IAM policy conditions for fine-grained access
 * control".
 */

const STORE = parsePolicyStore(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'cli', 'samples', 'policies.json'), 'utf8'));

function contextOfSample(file: string, store: PolicyStore | null = STORE): RequestContext {
  const record = loadSample(file).detail as CloudTrailRecord;
  const diagnosis = diagnose(record);
  if (diagnosis === null) throw new Error(`${file} is not a denial`);
  return requestContextFor(record, diagnosis, store);
}

const key = (context: RequestContext, name: string): ContextValue => context.keys.get(name.toLowerCase()) ?? { kind: 'unresolved' };
const present = (...values: string[]) => ({ kind: 'present', values });

describe('the principal', () => {
  it('a session: the role ARN with its path (aws:PrincipalArn), the session ARN, aws:userid, no aws:username', () => {
    const context = contextOfSample('permissions-boundary.json');
    expect(context.principal).toEqual({
      type: 'assumed-role',
      arn: 'arn:aws:iam::111122223333:role/developers/team-payments-dev',
      sessionArn: 'arn:aws:sts::111122223333:assumed-role/team-payments-dev/jane.doe',
      accountId: '111122223333',
      serviceLinked: false,
    });
    expect(key(context, 'aws:PrincipalArn')).toMatchObject(present('arn:aws:iam::111122223333:role/developers/team-payments-dev'));
    expect(key(context, 'aws:PrincipalType')).toMatchObject(present('AssumedRole'));
    expect(key(context, 'aws:userid')).toMatchObject(present('AROAEXAMPLEROLEID0001:jane.doe'));
    expect(key(context, 'aws:username')).toEqual({ kind: 'absent' });
    expect(key(context, 'aws:PrincipalIsAWSService')).toMatchObject(present('false'));
  });

  it('an IAM user: aws:username, aws:PrincipalType User', () => {
    const context = contextOfSample('mfa-required.json');
    expect(context.principal.type).toBe('iam-user');
    expect(key(context, 'aws:username')).toMatchObject(present('alice'));
    expect(key(context, 'aws:PrincipalType')).toMatchObject(present('User'));
  });

  it('a role path /aws-service-role/ is a service-linked role', () => {
    expect(
      isServiceLinkedRole(
        'arn:aws:iam::111122223333:role/aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication',
      ),
    ).toBe(true);
    expect(isServiceLinkedRole('arn:aws:iam::111122223333:role/service-role/app')).toBe(false);
  });

  it('aws:PrincipalTag/* from the store: every tag, and any other tag key is absent', () => {
    const context = contextOfSample('identity-policy-implicit.json');
    expect(key(context, 'aws:PrincipalTag/team')).toMatchObject(present('orders'));
    expect(key(context, 'aws:principaltag/TEAM')).toMatchObject(present('orders'));
    expect(key(context, 'aws:PrincipalTag/cost-center')).toEqual({ kind: 'absent' });
  });

  it('without the principal in the store its tags are unresolved', () => {
    expect(key(contextOfSample('identity-policy-implicit.json', null), 'aws:PrincipalTag/team')).toEqual({ kind: 'unresolved' });
  });

  it("aws:PrincipalOrgID and aws:PrincipalOrgPaths from the store's organization; absent for an account outside it", () => {
    const inside = contextOfSample('identity-policy-implicit.json');
    expect(key(inside, 'aws:PrincipalOrgID')).toMatchObject(present('o-a1b2c3d4e5'));
    expect(key(inside, 'aws:PrincipalOrgPaths')).toMatchObject(present('o-a1b2c3d4e5/r-a1b2/ou-a1b2-workload/ou-a1b2-prod0001/'));
    expect(key(contextOfSample('resource-control-policy.json'), 'aws:PrincipalOrgID')).toEqual({ kind: 'absent' });
    expect(key(contextOfSample('identity-policy-implicit.json', null), 'aws:PrincipalOrgID')).toEqual({ kind: 'unresolved' });
  });
});

describe('the resource', () => {
  it('aws:ResourceAccount, aws:ResourceTag/* from the store, aws:RequestedRegion, the time', () => {
    const context = contextOfSample('identity-policy-explicit.json');
    expect(context.resource).toBe('arn:aws:dynamodb:eu-west-1:111122223333:table/Orders');
    expect(key(context, 'aws:ResourceAccount')).toMatchObject(present('111122223333'));
    expect(key(context, 'aws:ResourceTag/env')).toMatchObject(present('prod'));
    expect(key(context, 'aws:ResourceTag/owner')).toEqual({ kind: 'absent' });
    expect(key(context, 'aws:RequestedRegion')).toMatchObject(present('eu-west-1'));
    expect(key(context, 'aws:CurrentTime')).toMatchObject(
      present(`${loadSample('identity-policy-explicit.json').detail.eventTime as string}`),
    );
    expect(key(context, 'aws:EpochTime')).toMatchObject(
      present(String(Date.parse(loadSample('identity-policy-explicit.json').detail.eventTime as string) / 1000)),
    );
  });
});

describe('how the call was made', () => {
  it('tlsDetails → aws:SecureTransport true; no vpcEndpointId → no endpoint keys, aws:SourceIp present', () => {
    const context = contextOfSample('identity-policy-implicit.json');
    expect(key(context, 'aws:SecureTransport')).toMatchObject(present('true'));
    expect(key(context, 'aws:SourceVpce')).toEqual({ kind: 'absent' });
    expect(key(context, 'aws:SourceVpc')).toEqual({ kind: 'absent' });
    expect(key(context, 'aws:SourceIp')).toMatchObject(present('10.0.12.34'));
  });

  it('through an endpoint: aws:SourceVpce and aws:VpcSourceIp, no aws:SourceIp, aws:SourceVpc unresolved', () => {
    const context = contextOfSample('vpc-endpoint-policy.json');
    expect(key(context, 'aws:SourceVpce')).toMatchObject(present('vpce-0a1b2c3d4e5f67890'));
    expect(key(context, 'aws:VpcSourceIp')).toMatchObject(present('10.0.12.34'));
    expect(key(context, 'aws:SourceIp')).toEqual({ kind: 'absent' });
    expect(key(context, 'aws:SourceVpc')).toEqual({ kind: 'unresolved' });
  });

  it('a record without tlsDetails says nothing about aws:SecureTransport', () => {
    expect(key(contextOfSample('vpc-endpoint-network-activity.json'), 'aws:SecureTransport')).toEqual({ kind: 'unresolved' });
  });

  it('no invokedBy → aws:ViaAWSService false and no aws:CalledVia', () => {
    const context = contextOfSample('identity-policy-implicit.json');
    expect(key(context, 'aws:ViaAWSService')).toMatchObject(present('false'));
    expect(key(context, 'aws:CalledVia')).toEqual({ kind: 'absent' });
  });

  it('session credentials carry aws:MultiFactorAuthPresent as recorded, and aws:TokenIssueTime', () => {
    const context = contextOfSample('session-policy.json');
    expect(key(context, 'aws:MultiFactorAuthPresent')).toMatchObject(present('false'));
    expect(key(context, 'aws:TokenIssueTime')).toMatchObject(present('2026-11-20T08:02:11Z'));
  });

  it('a long-term AKIA key without sessionContext: aws:MultiFactorAuthPresent is not present', () => {
    const context = contextOfSample('mfa-required.json');
    expect(key(context, 'aws:MultiFactorAuthPresent')).toEqual({ kind: 'absent' });
    expect(key(context, 'aws:TokenIssueTime')).toEqual({ kind: 'absent' });
  });

  it('aws:UserAgent as recorded', () => {
    expect(key(contextOfSample('identity-policy-implicit.json'), 'aws:UserAgent')).toMatchObject(
      present(loadSample('identity-policy-implicit.json').detail.userAgent as string),
    );
  });
});

describe('KMS calls', () => {
  it('the Decrypt DynamoDB made for the caller (KMS record, invokedBy): kms:ViaService, kms:CallerAccount, the encryption context', () => {
    const context = contextOfSample('kms-decrypt-invoked-by-dynamodb.json');
    expect(context.action).toBe('kms:Decrypt');
    expect(context.resource).toBe('arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(key(context, 'kms:ViaService')).toMatchObject(present('dynamodb.eu-west-1.amazonaws.com'));
    expect(key(context, 'kms:CallerAccount')).toMatchObject(present('111122223333'));
    expect(key(context, 'kms:EncryptionContext:aws:dynamodb:tableName')).toMatchObject(present('Invoices'));
    expect(key(context, 'kms:EncryptionContext:aws:dynamodb:subscriberId')).toMatchObject(present('111122223333'));
    expect(key(context, 'kms:EncryptionContext:other')).toEqual({ kind: 'absent' });
    expect(key(context, 'aws:ViaAWSService')).toMatchObject(present('true'));
    expect(key(context, 'aws:CalledViaLast')).toMatchObject(present('dynamodb.amazonaws.com'));
    // The record names only the last service of the chain.
    expect(key(context, 'aws:CalledVia')).toEqual({ kind: 'unresolved' });
  });

  it('DynamoDB\'s "KMS key access denied" on a direct call: the KMS request DynamoDB made, through it alone', () => {
    const context = contextOfSample('kms-key-access.json');
    expect(context.action).toBe('kms:Decrypt');
    expect(context.resource).toBe('arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(key(context, 'kms:ViaService')).toMatchObject(present('dynamodb.eu-west-1.amazonaws.com'));
    expect(key(context, 'aws:CalledVia')).toMatchObject(present('dynamodb.amazonaws.com'));
    expect(key(context, 'kms:EncryptionContextKeys')).toMatchObject(present('aws:dynamodb:tableName', 'aws:dynamodb:subscriberId'));
    // The service's own request did not go through the caller's network path.
    expect(key(context, 'aws:SourceIp')).toEqual({ kind: 'unresolved' });
  });
});

/** A non-denial record (a success or another error) as the context builder sees a denial of the same call. */
function contextOfRecord(record: CloudTrailRecord, call: Partial<DiagnosedCall>, store: PolicyStore | null = null): RequestContext {
  return requestContextFor(
    record,
    {
      principal: (record.userIdentity?.sessionContext?.sessionIssuer?.arn ?? record.userIdentity?.arn) as string,
      action: `dynamodb:${record.eventName}`,
      resource: `arn:aws:dynamodb:${record.awsRegion}:111122223333:table/${(record.requestParameters?.tableName as string) ?? 'Music'}`,
      tableName: (record.requestParameters?.tableName as string) ?? 'Music',
      region: record.awsRegion as string,
      eventTime: record.eventTime as string,
      eventSource: record.eventSource as string,
      ...call,
    },
    store,
  );
}

describe('DynamoDB keys from the request parameters', () => {
  const table = (schema: string[] | undefined) =>
    parsePolicyStore({
      format: 'denyscope-policies/1',
      resources: { 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders': schema === undefined ? {} : { keySchema: schema } },
    });
  const ordersRecord = (requestParameters: Record<string, unknown>, eventName = 'GetItem'): CloudTrailRecord => ({
    eventSource: 'dynamodb.amazonaws.com',
    eventName,
    awsRegion: 'eu-west-1',
    eventTime: '2026-11-20T10:00:00Z',
    recipientAccountId: '111122223333',
    userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/app/s', accountId: '111122223333' },
    requestParameters: { tableName: 'Orders', ...requestParameters },
  });
  const ordersContext = (requestParameters: Record<string, unknown>, eventName = 'GetItem', schema?: string[]) =>
    contextOfRecord(
      ordersRecord(requestParameters, eventName),
      {
        principal: 'arn:aws:iam::111122223333:role/app',
        resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
        tableName: 'Orders',
        region: 'eu-west-1',
        eventSource: 'dynamodb.amazonaws.com',
        eventTime: '2026-11-20T10:00:00Z',
      },
      table(schema),
    );

  it('dynamodb:LeadingKeys from a key of one attribute, typed or plain', () => {
    expect(key(ordersContext({ key: { pk: { S: 'ORDER#1' } }, projectionExpression: 'pk' }), 'dynamodb:LeadingKeys')).toMatchObject(
      present('ORDER#1'),
    );
    expect(key(ordersContext({ key: { pk: 'ORDER#1' }, projectionExpression: 'pk' }), 'dynamodb:LeadingKeys')).toMatchObject(
      present('ORDER#1'),
    );
  });

  it("dynamodb:LeadingKeys from a two-attribute key only with the store's key schema", () => {
    const parameters = { key: { sk: 'ITEM#1', pk: 'ORDER#1' }, projectionExpression: 'pk' };
    expect(key(ordersContext(parameters), 'dynamodb:LeadingKeys')).toEqual({ kind: 'unresolved' });
    expect(key(ordersContext(parameters, 'GetItem', ['pk', 'sk']), 'dynamodb:LeadingKeys')).toMatchObject(present('ORDER#1'));
  });

  it('a read without a projection returns every attribute, which the request does not name: dynamodb:Attributes unresolved', () => {
    expect(key(ordersContext({ key: { pk: 'ORDER#1' } }), 'dynamodb:Attributes')).toEqual({ kind: 'unresolved' });
    expect(
      key(
        ordersContext({ key: { pk: 'ORDER#1' }, projectionExpression: '#s, total', expressionAttributeNames: { '#s': 'status' } }),
        'dynamodb:Attributes',
      ),
    ).toMatchObject(present('pk', 'status', 'total'));
  });

  it('BatchWriteItem: the keys of the entries for this table', () => {
    const context = ordersContext(
      {
        tableName: undefined,
        requestItems: {
          Orders: [{ putRequest: { item: { pk: { S: 'A' }, total: { N: '3' } } } }, { deleteRequest: { key: { pk: { S: 'B' } } } }],
          Other: [{ putRequest: { item: { pk: { S: 'C' } } } }],
        },
      },
      'BatchWriteItem',
      ['pk'],
    );
    expect(key(context, 'dynamodb:LeadingKeys')).toMatchObject(present('A', 'B'));
    expect(key(context, 'dynamodb:Attributes')).toMatchObject(present('pk', 'total'));
  });

  it('dynamodb:Select and dynamodb:ReturnConsumedCapacity as given', () => {
    const context = ordersContext(
      { keyConditionExpression: 'pk = :p', select: 'SPECIFIC_ATTRIBUTES', projectionExpression: 'pk', returnConsumedCapacity: 'TOTAL' },
      'Query',
    );
    expect(key(context, 'dynamodb:Select')).toMatchObject(present('SPECIFIC_ATTRIBUTES'));
    expect(key(context, 'dynamodb:ReturnConsumedCapacity')).toMatchObject(present('TOTAL'));
  });
});

describeWithCorpus('DynamoDB keys from real records (shared corpus)', () => {
  const first = (file: string): CloudTrailRecord => readRecords(readCorpusFile(file), file)[0];

  it('PutItem (awsdocs-ddb-1): dynamodb:Attributes are the key and the item names CloudTrail lists', () => {
    const context = contextOfRecord(first('awsdocs-ddb-1.json'), {});
    expect(key(context, 'dynamodb:Attributes')).toMatchObject(present('Artist', 'SongTitle', 'AlbumTitle'));
    // Two key attributes and no key schema: which is the partition key cannot be told.
    expect(key(context, 'dynamodb:LeadingKeys')).toEqual({ kind: 'unresolved' });
  });

  it('UpdateItem (awsdocs-ddb-2): names behind #placeholders in the update and condition expressions', () => {
    const store = parsePolicyStore({
      format: 'denyscope-policies/1',
      resources: { 'arn:aws:dynamodb:us-west-2:111122223333:table/Music': { keySchema: ['Artist', 'SongTitle'] } },
    });
    const context = contextOfRecord(first('awsdocs-ddb-2.json'), {}, store);
    expect(key(context, 'dynamodb:Attributes')).toMatchObject(present('Artist', 'SongTitle', 'Year', 'AlbumTitle'));
    expect(key(context, 'dynamodb:LeadingKeys')).toMatchObject(present('No One You Know'));
  });

  it('Decrypt by DynamoDB for a role (awsdocs-ddb-6): the encryption context and kms:ViaService', () => {
    const record = first('awsdocs-ddb-6.json');
    const context = requestContextFor(
      record,
      {
        principal: record.userIdentity?.sessionContext?.sessionIssuer?.arn as string,
        action: 'kms:Decrypt',
        resource: null,
        tableName: null,
        region: record.awsRegion as string,
        eventTime: record.eventTime as string,
        eventSource: 'kms.amazonaws.com',
      },
      null,
    );
    expect(key(context, 'kms:EncryptionContext:aws:dynamodb:tableName')).toMatchObject(present('Books'));
    expect(key(context, 'kms:ViaService')).toMatchObject(present(`dynamodb.${record.awsRegion as string}.amazonaws.com`));
  });
});
