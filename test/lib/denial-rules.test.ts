import { corpusManifest, describeWithCorpus, readCorpusFile } from '../support/corpus';
import { denialEvent } from '../support/denial-events';
import { AccessDeniedAlertsProps } from '../../lib/access-denied-alerts';
import { matchesPattern } from './event-pattern-matcher';
import { OWN_ROLE_ARN, rulePatterns, synthStack } from './stack-fixture';

type CloudTrailRecord = Record<string, unknown> & { eventSource?: string; eventType?: string };

/**
 * The event EventBridge puts on the default bus for a CloudTrail record: source aws.<service prefix of
 * eventSource>; network activity events (eventType AwsVpceEvent) have their own detail-type.
 */
function onTheBus(record: CloudTrailRecord): Record<string, unknown> {
  const service = String(record.eventSource).split('.')[0];
  const detailType = record.eventType === 'AwsVpceEvent' ? 'AWS Network Activity Event via CloudTrail' : 'AWS API Call via CloudTrail';
  return { version: '0', id: 'test', 'detail-type': detailType, source: `aws.${service}`, account: '111122223333', region: 'eu-west-1', resources: [], detail: record };
}

/** Whether any rule of a stack synthesized with `props` would deliver the event. */
function matcherFor(props: AccessDeniedAlertsProps): (event: unknown) => boolean {
  const patterns = rulePatterns(synthStack({ ...props, createTrail: false }).template);
  return (event) => patterns.some((pattern) => matchesPattern(pattern, event));
}

const matchesDefault = matcherFor({});
const matchesEveryService = matcherFor({ services: '*' });

const dynamoDbDenial = denialEvent().detail as CloudTrailRecord;
const kmsDenial = (overrides: Record<string, unknown>): CloudTrailRecord => ({
  eventSource: 'kms.amazonaws.com',
  eventName: 'Decrypt',
  eventType: 'AwsApiCall',
  errorCode: 'AccessDenied',
  errorMessage: 'User: arn:aws:sts::111122223333:assumed-role/app/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:111122223333:key/k because no resource-based policy allows the kms:Decrypt action',
  userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/app/s' },
  requestParameters: { keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k' },
  ...overrides,
});

describe('denial rules against built events', () => {
  it('deliver a DynamoDB AccessDenied (and the SDK-style AccessDeniedException)', () => {
    expect(matchesDefault(onTheBus(dynamoDbDenial))).toBe(true);
    expect(matchesDefault(onTheBus({ ...dynamoDbDenial, errorCode: 'AccessDeniedException' }))).toBe(true);
  });

  it('ignore DynamoDB successes and other errors', () => {
    const { errorCode: _code, errorMessage: _message, ...success } = dynamoDbDenial;
    expect(matchesDefault(onTheBus(success))).toBe(false);
    for (const errorCode of ['ConditionalCheckFailedException', 'ThrottlingException', 'ProvisionedThroughputExceededException', 'ResourceNotFoundException']) {
      expect(matchesDefault(onTheBus({ ...dynamoDbDenial, errorCode, errorMessage: 'The conditional request failed' }))).toBe(false);
    }
  });

  it('deliver ValidationExceptions caused by the table key, and no other ValidationException', () => {
    const validation = (errorMessage: string) => onTheBus({ ...dynamoDbDenial, eventName: 'UpdateTable', errorCode: 'ValidationException', errorMessage });
    expect(matchesDefault(validation('KMS key disabled error: com.amazonaws.services.kms.model.DisabledException: arn:aws:kms:eu-west-1:111122223333:key/k is disabled.'))).toBe(true);
    expect(matchesDefault(validation('KMS validation error: KMSInvalidStateException: arn:aws:kms:eu-west-1:111122223333:key/k is pending deletion.'))).toBe(true);
    expect(matchesDefault(validation('One or more parameter values were invalid: Missing the key pk in the item'))).toBe(false);
    expect(matchesDefault(validation('The provided key element does not match the schema'))).toBe(false);
  });

  it('deliver KMS denials of calls DynamoDB made for a caller, by invokedBy or by the table encryption context', () => {
    const invokedByDynamoDb = kmsDenial({ userIdentity: { type: 'AssumedRole', invokedBy: 'dynamodb.amazonaws.com' } });
    const withTableContext = kmsDenial({
      requestParameters: { encryptionContext: { 'aws:dynamodb:tableName': 'Orders', 'aws:dynamodb:subscriberId': '111122223333' } },
    });
    expect(matchesDefault(onTheBus(invokedByDynamoDb))).toBe(true);
    expect(matchesDefault(onTheBus(withTableContext))).toBe(true);
  });

  it('ignore KMS denials unrelated to DynamoDB and KMS successes on its behalf', () => {
    const ec2Role = kmsDenial({ userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/ec2-app/i-0abc' }, requestParameters: { encryptionContext: { app: 'x' } } });
    expect(matchesDefault(onTheBus(ec2Role))).toBe(false);
    const { errorCode: _code, errorMessage: _message, ...success } = kmsDenial({ userIdentity: { invokedBy: 'dynamodb.amazonaws.com' } });
    expect(matchesDefault(onTheBus(success))).toBe(false);
  });

  it('deliver VPC endpoint policy denials of watched services (network activity events)', () => {
    const vpce = { ...dynamoDbDenial, eventType: 'AwsVpceEvent', eventCategory: 'NetworkActivity', errorCode: 'VpceAccessDenied', errorMessage: 'The request was denied due to a VPC endpoint policy' };
    expect(matchesDefault(onTheBus(vpce))).toBe(true);
  });

  it('deliver denials of other services only when they are watched', () => {
    const s3Denial = { ...dynamoDbDenial, eventSource: 's3.amazonaws.com', eventName: 'GetObject' };
    expect(matchesDefault(onTheBus(s3Denial))).toBe(false);
    expect(matchesEveryService(onTheBus(s3Denial))).toBe(true);
    expect(matcherFor({ services: ['dynamodb', 's3'] })(onTheBus(s3Denial))).toBe(true);
    // With KMS watched, every KMS denial is delivered once, by the service rule.
    const unrelatedKms = kmsDenial({});
    expect(matcherFor({ services: ['dynamodb', 'kms'] })(onTheBus(unrelatedKms))).toBe(true);
  });

  it('leave out the alert Lambda\'s own denials, which would loop through enrichment', () => {
    const ownSession = {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::111122223333:assumed-role/denyscope-alert-handler/fn',
      sessionContext: { sessionIssuer: { type: 'Role', arn: OWN_ROLE_ARN, userName: 'denyscope-alert-handler' } },
    };
    expect(matchesDefault(onTheBus({ ...dynamoDbDenial, eventName: 'DescribeTable', userIdentity: ownSession }))).toBe(false);
    expect(matchesDefault(onTheBus(kmsDenial({ userIdentity: { ...ownSession, invokedBy: 'dynamodb.amazonaws.com' } })))).toBe(false);
    expect(matchesEveryService(onTheBus({ ...dynamoDbDenial, userIdentity: ownSession }))).toBe(false);
    // Callers without a role session (IAM users, root) are still delivered.
    const iamUser = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', userName: 'alice' };
    expect(matchesDefault(onTheBus({ ...dynamoDbDenial, userIdentity: iamUser }))).toBe(true);
  });

  it('deliver no event to more than one rule', () => {
    for (const props of [{}, { services: '*' as const }, { services: ['dynamodb', 'kms'] }]) {
      const patterns = rulePatterns(synthStack({ ...props, createTrail: false }).template);
      const events = [
        dynamoDbDenial,
        { ...dynamoDbDenial, errorCode: 'ValidationException', errorMessage: 'KMS key disabled error: x' },
        kmsDenial({ userIdentity: { invokedBy: 'dynamodb.amazonaws.com' } }),
      ].map(onTheBus);
      for (const event of events) expect(patterns.filter((pattern) => matchesPattern(pattern, event)).length).toBeLessThanOrEqual(1);
    }
  });
});

/** The CloudTrail records of a corpus file, whatever its published shape; undefined when it holds none. */
function cloudTrailRecords(shape: string, content: unknown): CloudTrailRecord[] | undefined {
  const json = content as Record<string, unknown>;
  switch (shape) {
    case 'raw record':
      return [json as CloudTrailRecord];
    case 'eventbridge':
      return [json.detail as CloudTrailRecord];
    case 'cloudtrail log file (Records[])':
      return json.Records as CloudTrailRecord[];
    case 'lookup-events (CloudTrailEvent=string)':
    case 'lookup-events (CloudTrailEvent=object)':
      return (json.Events as Array<{ CloudTrailEvent: unknown }>).map(({ CloudTrailEvent }) =>
        (typeof CloudTrailEvent === 'string' ? JSON.parse(CloudTrailEvent) : CloudTrailEvent) as CloudTrailRecord,
      );
    default:
      return undefined; // insights records, CloudWatch Logs envelopes, SQS envelopes, OCSF: never on the bus as API calls
  }
}

/** Corpus denials the default configuration (DynamoDB only) must deliver; every other corpus denial is another service's. */
const DYNAMODB_DENIALS = ['ibm-3.json', 'whydenied-1.json'];

describeWithCorpus('denial rules against the shared corpus', () => {
  const entries = corpusManifest().filter((entry) => entry.validJson);
  const recordsOf = (kind: string) =>
    entries
      .filter((entry) => entry.kind === kind)
      .flatMap((entry) => (cloudTrailRecords(entry.shape, JSON.parse(readCorpusFile(entry.file).toString('utf8'))) ?? []).map((record) => ({ file: entry.file, record })));

  it('reads a CloudTrail record with an errorCode from every valid denial file', () => {
    const denialFiles = entries.filter((entry) => entry.kind === 'denial').map((entry) => entry.file);
    expect(denialFiles.length).toBeGreaterThanOrEqual(30);
    const denials = recordsOf('denial');
    expect([...new Set(denials.map(({ file }) => file))].sort()).toEqual([...denialFiles].sort());
    for (const { record } of denials) expect(record.errorCode).toEqual(expect.any(String));
  });

  it('deliver exactly the DynamoDB denials with the default services', () => {
    const delivered = recordsOf('denial').filter(({ record }) => matchesDefault(onTheBus(record))).map(({ file }) => file);
    expect(delivered.sort()).toEqual(DYNAMODB_DENIALS);
  });

  it('deliver every denial, of every service, with services "*"', () => {
    const missed = recordsOf('denial').filter(({ record }) => !matchesEveryService(onTheBus(record))).map(({ file }) => file);
    expect(missed).toEqual([]);
  });

  it('deliver no record that is not a denial, even with services "*"', () => {
    const records = recordsOf('not-a-denial');
    expect(records.length).toBeGreaterThanOrEqual(20);
    const delivered = records.filter(({ record }) => matchesEveryService(onTheBus(record))).map(({ file }) => file);
    expect(delivered).toEqual([]);
  });
});
