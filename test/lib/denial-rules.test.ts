import { Template } from 'aws-cdk-lib/assertions';
import { corpusManifest, describeWithCorpus, readCorpusFile } from '../support/corpus';
import { denialEvent } from '../support/denial-events';
import { AccessDeniedAlertsProps } from '../../lib/access-denied-alerts';
import { matchesPattern } from './event-pattern-matcher';
import { buildMemberStack, ORGANIZATION, OWN_ROLE_ARN, rulePatterns, synthStack } from './stack-fixture';

type CloudTrailRecord = Record<string, unknown> & { eventSource?: string; eventType?: string };

/** Where a denial was recorded: the account and Region EventBridge writes into the event. */
interface Origin {
  readonly account: string;
  readonly region: string;
}
const CENTRAL_ACCOUNT: Origin = { account: '111122223333', region: 'eu-west-1' };
const MEMBER_ACCOUNT: Origin = { account: '444455556666', region: 'ap-southeast-2' };

/**
 * The event EventBridge puts on the default bus for a CloudTrail record: source aws.<service prefix of
 * eventSource>; network activity events (eventType AwsVpceEvent) have their own detail-type. An event sent on to
 * another account's bus keeps its account and Region (EventBridge PutPermission: "Rules with an account field do not
 * match any events sent from other accounts").
 */
function onTheBus(record: CloudTrailRecord, origin: Origin = CENTRAL_ACCOUNT): Record<string, unknown> {
  const service = String(record.eventSource).split('.')[0];
  const detailType = record.eventType === 'AwsVpceEvent' ? 'AWS Network Activity Event via CloudTrail' : 'AWS API Call via CloudTrail';
  return {
    version: '0',
    id: 'test',
    'detail-type': detailType,
    source: `aws.${service}`,
    account: origin.account,
    region: origin.region,
    resources: [],
    detail: record,
  };
}

type Patterns = Record<string, unknown>[];
const matchCount = (patterns: Patterns, event: unknown) => patterns.filter((pattern) => matchesPattern(pattern, event)).length;

/** The single member rule of the StackSet's template, for a stack configured with `props`. */
function memberRulePatterns(props: AccessDeniedAlertsProps): Patterns {
  return rulePatterns(Template.fromStack(buildMemberStack(props.services ?? ['dynamodb']).stack));
}

/**
 * How a recorded denial reaches the alert queue. `deliveries` says how many times an event recorded in `origin`
 * lands in the queue (each delivery is one SQS message): 1 for a denial, 0 for anything else.
 */
interface DeliveryPath {
  readonly name: string;
  readonly origin: Origin;
  deliveriesFor(props: AccessDeniedAlertsProps): (event: unknown) => number;
}

const SINGLE_ACCOUNT: DeliveryPath = {
  name: 'single account: the default-bus rules',
  origin: CENTRAL_ACCOUNT,
  deliveriesFor(props) {
    const patterns = rulePatterns(synthStack({ ...props, createTrail: false }).template, 'default');
    return (event) => matchCount(patterns, event);
  },
};

const FORWARDED: DeliveryPath = {
  name: "organization: a member account's forwarding rule, then the central bus rules",
  origin: MEMBER_ACCOUNT,
  deliveriesFor(props) {
    const member = memberRulePatterns(props);
    expect(member).toHaveLength(1);
    const central = rulePatterns(synthStack({ ...ORGANIZATION, ...props, createTrail: false }).template, 'custom');
    return (event) => (matchCount(member, event) === 1 ? matchCount(central, event) : 0);
  },
};

const dynamoDbDenial = denialEvent().detail as CloudTrailRecord;
const kmsDenial = (overrides: Record<string, unknown>): CloudTrailRecord => ({
  eventSource: 'kms.amazonaws.com',
  eventName: 'Decrypt',
  eventType: 'AwsApiCall',
  errorCode: 'AccessDenied',
  errorMessage:
    'User: arn:aws:sts::111122223333:assumed-role/app/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:111122223333:key/k because no resource-based policy allows the kms:Decrypt action',
  userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/app/s' },
  requestParameters: { keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k' },
  ...overrides,
});
const ownSession = {
  type: 'AssumedRole',
  arn: 'arn:aws:sts::111122223333:assumed-role/denyscope-alert-handler/fn',
  sessionContext: { sessionIssuer: { type: 'Role', arn: OWN_ROLE_ARN, userName: 'denyscope-alert-handler' } },
};

describe.each([SINGLE_ACCOUNT, FORWARDED])('denial rules against built events ($name)', (path) => {
  const deliveriesDefault = path.deliveriesFor({});
  const deliveriesEveryService = path.deliveriesFor({ services: '*' });
  const delivered = (deliveries: (event: unknown) => number, record: CloudTrailRecord) => deliveries(onTheBus(record, path.origin));

  it('deliver a DynamoDB AccessDenied (and the SDK-style AccessDeniedException)', () => {
    expect(delivered(deliveriesDefault, dynamoDbDenial)).toBe(1);
    expect(delivered(deliveriesDefault, { ...dynamoDbDenial, errorCode: 'AccessDeniedException' })).toBe(1);
  });

  it('ignore DynamoDB successes and other errors', () => {
    const { errorCode: _code, errorMessage: _message, ...success } = dynamoDbDenial;
    expect(delivered(deliveriesDefault, success)).toBe(0);
    for (const errorCode of [
      'ConditionalCheckFailedException',
      'ThrottlingException',
      'ProvisionedThroughputExceededException',
      'ResourceNotFoundException',
    ]) {
      expect(delivered(deliveriesDefault, { ...dynamoDbDenial, errorCode, errorMessage: 'The conditional request failed' })).toBe(0);
    }
  });

  it('deliver ValidationExceptions caused by the table key, and no other ValidationException', () => {
    const validation = (errorMessage: string) => ({
      ...dynamoDbDenial,
      eventName: 'UpdateTable',
      errorCode: 'ValidationException',
      errorMessage,
    });
    expect(
      delivered(
        deliveriesDefault,
        validation(
          'KMS key disabled error: com.amazonaws.services.kms.model.DisabledException: arn:aws:kms:eu-west-1:111122223333:key/k is disabled.',
        ),
      ),
    ).toBe(1);
    expect(
      delivered(
        deliveriesDefault,
        validation('KMS validation error: KMSInvalidStateException: arn:aws:kms:eu-west-1:111122223333:key/k is pending deletion.'),
      ),
    ).toBe(1);
    expect(delivered(deliveriesDefault, validation('One or more parameter values were invalid: Missing the key pk in the item'))).toBe(0);
    expect(delivered(deliveriesDefault, validation('The provided key element does not match the schema'))).toBe(0);
  });

  it('deliver KMS denials of calls DynamoDB made for a caller, by invokedBy or by the table encryption context', () => {
    const invokedByDynamoDb = kmsDenial({ userIdentity: { type: 'AssumedRole', invokedBy: 'dynamodb.amazonaws.com' } });
    const withTableContext = kmsDenial({
      requestParameters: { encryptionContext: { 'aws:dynamodb:tableName': 'Orders', 'aws:dynamodb:subscriberId': '111122223333' } },
    });
    expect(delivered(deliveriesDefault, invokedByDynamoDb)).toBe(1);
    expect(delivered(deliveriesDefault, withTableContext)).toBe(1);
  });

  it('ignore KMS denials unrelated to DynamoDB and KMS successes on its behalf', () => {
    const ec2Role = kmsDenial({
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/ec2-app/i-0abc' },
      requestParameters: { encryptionContext: { app: 'x' } },
    });
    expect(delivered(deliveriesDefault, ec2Role)).toBe(0);
    const { errorCode: _code, errorMessage: _message, ...success } = kmsDenial({ userIdentity: { invokedBy: 'dynamodb.amazonaws.com' } });
    expect(delivered(deliveriesDefault, success)).toBe(0);
  });

  it('deliver VPC endpoint policy denials of watched services (network activity events)', () => {
    const vpce = {
      ...dynamoDbDenial,
      eventType: 'AwsVpceEvent',
      eventCategory: 'NetworkActivity',
      errorCode: 'VpceAccessDenied',
      errorMessage: 'The request was denied due to a VPC endpoint policy',
    };
    expect(delivered(deliveriesDefault, vpce)).toBe(1);
  });

  it('deliver denials of other services only when they are watched', () => {
    const s3Denial = { ...dynamoDbDenial, eventSource: 's3.amazonaws.com', eventName: 'GetObject' };
    expect(delivered(deliveriesDefault, s3Denial)).toBe(0);
    expect(delivered(deliveriesEveryService, s3Denial)).toBe(1);
    expect(delivered(path.deliveriesFor({ services: ['dynamodb', 's3'] }), s3Denial)).toBe(1);
    // With KMS watched, every KMS denial is delivered once, by the service rule.
    expect(delivered(path.deliveriesFor({ services: ['dynamodb', 'kms'] }), kmsDenial({}))).toBe(1);
  });

  it("leave out the alert Lambda's own denials, which would loop through enrichment", () => {
    expect(delivered(deliveriesDefault, { ...dynamoDbDenial, eventName: 'DescribeTable', userIdentity: ownSession })).toBe(0);
    expect(delivered(deliveriesDefault, kmsDenial({ userIdentity: { ...ownSession, invokedBy: 'dynamodb.amazonaws.com' } }))).toBe(0);
    expect(delivered(deliveriesEveryService, { ...dynamoDbDenial, userIdentity: ownSession })).toBe(0);
    // Deep diagnosis reads with the same role: a denied read raises no alert that would read again.
    const deniedRead = { ...dynamoDbDenial, eventSource: 'iam.amazonaws.com', eventName: 'GetRolePolicy', eventCategory: 'Management' };
    expect(delivered(deliveriesEveryService, { ...deniedRead, userIdentity: ownSession })).toBe(0);
    expect(delivered(deliveriesEveryService, deniedRead)).toBe(1);
    // Callers without a role session (IAM users, root) are still delivered.
    const iamUser = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', userName: 'alice' };
    expect(delivered(deliveriesDefault, { ...dynamoDbDenial, userIdentity: iamUser })).toBe(1);
  });

  it('deliver no event more than once', () => {
    for (const props of [{}, { services: '*' as const }, { services: ['dynamodb', 'kms'] }]) {
      const deliveries = path.deliveriesFor(props);
      const records = [
        dynamoDbDenial,
        { ...dynamoDbDenial, errorCode: 'ValidationException', errorMessage: 'KMS key disabled error: x' },
        kmsDenial({ userIdentity: { invokedBy: 'dynamodb.amazonaws.com' } }),
      ];
      for (const record of records) expect(delivered(deliveries, record)).toBeLessThanOrEqual(1);
    }
  });
});

describe('organization: forwarding from member accounts', () => {
  const forwardedDefault = FORWARDED.deliveriesFor({});

  it('the central bus rules deliver a forwarded denial once, from any member account and Region', () => {
    const origins: Origin[] = [
      MEMBER_ACCOUNT,
      { account: '999988887777', region: 'us-east-1' },
      { account: '000011112222', region: 'sa-east-1' },
      CENTRAL_ACCOUNT,
    ];
    for (const origin of origins) {
      const record = denialEvent({ accountId: origin.account, region: origin.region }).detail as CloudTrailRecord;
      expect({ origin, deliveries: forwardedDefault(onTheBus(record, origin)) }).toEqual({ origin, deliveries: 1 });
    }
  });

  it("the member rule forwards the alert Lambda's own denials (its role is not known there) and the central bus rules drop them", () => {
    const ownDenial = onTheBus({ ...dynamoDbDenial, eventName: 'DescribeTable', userIdentity: ownSession }, CENTRAL_ACCOUNT);
    expect(matchCount(memberRulePatterns({}), ownDenial)).toBe(1);
    expect(forwardedDefault(ownDenial)).toBe(0);
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
      return (json.Events as Array<{ CloudTrailEvent: unknown }>).map(
        ({ CloudTrailEvent }) => (typeof CloudTrailEvent === 'string' ? JSON.parse(CloudTrailEvent) : CloudTrailEvent) as CloudTrailRecord,
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
      .flatMap((entry) =>
        (cloudTrailRecords(entry.shape, JSON.parse(readCorpusFile(entry.file).toString('utf8'))) ?? []).map((record) => ({
          file: entry.file,
          record,
        })),
      );

  it('reads a CloudTrail record with an errorCode from every valid denial file', () => {
    const denialFiles = entries.filter((entry) => entry.kind === 'denial').map((entry) => entry.file);
    expect(denialFiles.length).toBeGreaterThanOrEqual(30);
    const denials = recordsOf('denial');
    expect([...new Set(denials.map(({ file }) => file))].sort()).toEqual([...denialFiles].sort());
    for (const { record } of denials) expect(record.errorCode).toEqual(expect.any(String));
  });

  describe.each([SINGLE_ACCOUNT, FORWARDED])('$name', (path) => {
    const deliveriesDefault = path.deliveriesFor({});
    const deliveriesEveryService = path.deliveriesFor({ services: '*' });
    const deliveredBy = (deliveries: (event: unknown) => number) => (record: CloudTrailRecord) => deliveries(onTheBus(record, path.origin));

    it('deliver exactly the DynamoDB denials with the default services, each once', () => {
      const delivered = recordsOf('denial').map(({ file, record }) => ({ file, deliveries: deliveredBy(deliveriesDefault)(record) }));
      expect(delivered.filter(({ deliveries }) => deliveries > 0)).toEqual(DYNAMODB_DENIALS.map((file) => ({ file, deliveries: 1 })));
    });

    it('deliver every denial, of every service, once with services "*"', () => {
      const notOnce = recordsOf('denial')
        .filter(({ record }) => deliveredBy(deliveriesEveryService)(record) !== 1)
        .map(({ file }) => file);
      expect(notOnce).toEqual([]);
    });

    it('deliver no record that is not a denial, even with services "*"', () => {
      const records = recordsOf('not-a-denial');
      expect(records.length).toBeGreaterThanOrEqual(20);
      const delivered = records.filter(({ record }) => deliveredBy(deliveriesEveryService)(record) > 0).map(({ file }) => file);
      expect(delivered).toEqual([]);
    });
  });

  // The central bus would drop whatever else a member forwarded, but each forwarded event is paid for.
  it.each([
    ['the default services', {}],
    ['services "*"', { services: '*' as const }],
  ])('the member rule forwards exactly the records the single-account rules deliver, with %s', (_name, props: AccessDeniedAlertsProps) => {
    const member = memberRulePatterns(props);
    const singleAccount = SINGLE_ACCOUNT.deliveriesFor(props);
    const records = [...recordsOf('denial'), ...recordsOf('not-a-denial')];
    const disagreements = records
      .map(({ file, record }) => ({
        file,
        forwarded: matchCount(member, onTheBus(record)) > 0,
        delivered: singleAccount(onTheBus(record)) > 0,
      }))
      .filter(({ forwarded, delivered }) => forwarded !== delivered);
    expect(disagreements).toEqual([]);
  });
});
