import { parseDate, parseNumber } from '../../../core/policy/conditions';
import { parsePolicyDocument } from '../../../core/policy/document';
import { conditionOf, judge } from './language-fixtures';

// Sources, quoted where a test relies on them:
// [OPS] IAM UG, "IAM JSON policy elements: Condition operators"
// [MULTI] IAM UG, "Creating a condition with multiple keys or values" / "Single-valued vs. multivalued context keys"
// [VARS] IAM UG, "IAM policy elements: Variables and tags"

describe('missing keys [OPS]: "If the key ... is not present in the request context, the values do not match and the condition is false. If the policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the condition is true"', () => {
  it.each([
    ['StringEquals', 'x', false],
    ['StringNotEquals', 'x', true],
    ['StringEqualsIgnoreCase', 'x', false],
    ['StringNotEqualsIgnoreCase', 'x', true],
    ['StringLike', 'x*', false],
    ['StringNotLike', 'x*', true],
    ['NumericEquals', '1', false],
    ['NumericNotEquals', '1', true],
    ['NumericLessThan', '1', false],
    ['DateEquals', '2020-01-01T00:00:00Z', false],
    ['DateNotEquals', '2020-01-01T00:00:00Z', true],
    ['Bool', 'true', false],
    ['BinaryEquals', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', false],
    ['IpAddress', '203.0.113.0/24', false],
    ['NotIpAddress', '203.0.113.0/24', true],
    ['ArnEquals', 'arn:aws:sns:eu-west-1:111122223333:topic', false],
    ['ArnLike', 'arn:aws:sns:*:111122223333:*', false],
    ['ArnNotEquals', 'arn:aws:sns:eu-west-1:111122223333:topic', true],
    ['ArnNotLike', 'arn:aws:sns:*:111122223333:*', true],
  ])('%s on a missing key is %s', (operator, value, expected) => {
    expect(judge(operator, 'aws:SomeKey', value, { 'aws:SomeKey': 'absent' })).toBe(expected);
  });

  // [OPS] IfExists: "If the key is not present, evaluate the condition element as true." ... "If you are using an
  // "Effect": "Deny" element with a negated condition operator like StringNotEqualsIfExists, the request is still denied even if the tag is missing."
  it.each([
    'StringEqualsIfExists',
    'StringNotEqualsIfExists',
    'StringLikeIfExists',
    'NumericLessThanIfExists',
    'DateGreaterThanIfExists',
    'BoolIfExists',
    'IpAddressIfExists',
    'ArnLikeIfExists',
    'BinaryEqualsIfExists',
  ])('%s on a missing key is true', (operator) => {
    expect(judge(operator, 'aws:SomeKey', operator.startsWith('Bool') ? 'false' : 'x', { 'aws:SomeKey': 'absent' })).toBe(true);
  });

  it('IfExists on a present key is the plain operator', () => {
    expect(judge('StringLikeIfExists', 'ec2:InstanceType', ['t1.*', 't2.*', 'm3.*'], { 'ec2:InstanceType': 't2.micro' })).toBe(true);
    expect(judge('StringLikeIfExists', 'ec2:InstanceType', ['t1.*', 't2.*', 'm3.*'], { 'ec2:InstanceType': 'm5.large' })).toBe(false);
  });
});

describe('unresolved keys: the record cannot tell, so the condition cannot either', () => {
  it.each([
    'StringEquals',
    'StringNotEquals',
    'StringEqualsIfExists',
    'StringNotEqualsIfExists',
    'ForAllValues:StringEquals',
    'ForAnyValue:StringEquals',
    'NumericLessThan',
    'IpAddress',
    'NotIpAddress',
    'ArnLike',
  ])('%s on an unresolved key is unresolved (even IfExists: the key may be present with another value)', (operator) => {
    expect(judge(operator, 'aws:SomeKey', '1', { 'aws:SomeKey': 'unresolved' })).toBe('unresolved');
  });

  it('treats a key the context does not mention as unresolved, never as absent', () => {
    expect(judge('StringNotEquals', 'aws:SomeKey', 'x', {})).toBe('unresolved');
  });

  it('reports the policy values as written and no actual value', () => {
    expect(conditionOf('StringEquals', 'aws:PrincipalTag/team', ['a', 'b'], {})).toEqual({
      operator: 'StringEquals',
      key: 'aws:PrincipalTag/team',
      values: ['a', 'b'],
      actual: null,
      result: 'unresolved',
    });
  });
});

describe('condition key names are case-insensitive; values are not [VARS]: "Key names are case-insensitive. For example, aws:CurrentTime is equivalent to AWS:currenttime"', () => {
  it('finds the context key whatever the case of its name in the policy', () => {
    expect(conditionOf('StringEquals', 'AWS:PrincipalTag/Team', 'orders', { 'aws:principaltag/team': 'orders' })).toMatchObject({
      key: 'AWS:PrincipalTag/Team',
      actual: ['orders'],
      result: true,
    });
  });

  it('compares values case-sensitively except for the IgnoreCase operators ([OPS] StringEquals "Exact matching, case sensitive")', () => {
    expect(judge('StringEquals', 'aws:PrincipalTag/team', 'Orders', { 'aws:PrincipalTag/team': 'orders' })).toBe(false);
    expect(judge('StringEqualsIgnoreCase', 'aws:PrincipalTag/team', 'Orders', { 'aws:PrincipalTag/team': 'orders' })).toBe(true);
    expect(judge('StringNotEqualsIgnoreCase', 'aws:PrincipalTag/team', 'Orders', { 'aws:PrincipalTag/team': 'orders' })).toBe(false);
    expect(judge('StringNotEquals', 'aws:PrincipalTag/team', 'Orders', { 'aws:PrincipalTag/team': 'orders' })).toBe(true);
    expect(judge('StringLike', 'aws:PrincipalTag/team', 'Ord*', { 'aws:PrincipalTag/team': 'orders' })).toBe(false);
  });
});

describe('string operators [OPS]', () => {
  const keys = { 'aws:PrincipalTag/job-category': 'iamuser-admin' };

  it('StringEquals matches exactly, and reads * as a plain character', () => {
    expect(judge('StringEquals', 'aws:PrincipalTag/job-category', 'iamuser-admin', keys)).toBe(true);
    expect(judge('StringEquals', 'aws:PrincipalTag/job-category', 'iamuser-*', keys)).toBe(false);
    expect(judge('StringEquals', 'aws:PrincipalTag/job-category', 'iamuser-*', { 'aws:PrincipalTag/job-category': 'iamuser-*' })).toBe(
      true,
    );
  });

  it('StringLike and StringNotLike read * and ? as wildcards', () => {
    expect(judge('StringLike', 'aws:PrincipalTag/job-category', 'iamuser-*', keys)).toBe(true);
    expect(judge('StringLike', 'aws:PrincipalTag/job-category', 'iamuser-?dmin', keys)).toBe(true);
    expect(judge('StringNotLike', 'aws:PrincipalTag/job-category', 'iamuser-*', keys)).toBe(false);
    expect(judge('StringNotLike', 'aws:PrincipalTag/job-category', 'dev-*', keys)).toBe(true);
  });

  // [MULTI]: "If a single condition operator includes multiple values for one key, that condition operator is evaluated
  // using a logical OR" and, for negated operators, "the effective permissions work like a logical AND".
  it('ORs several values, and ANDs them for a negated operator', () => {
    expect(
      judge('StringEquals', 'aws:PrincipalAccount', ['123456789012', '111122223333'], { 'aws:PrincipalAccount': '111122223333' }),
    ).toBe(true);
    expect(
      judge('StringNotEquals', 'aws:PrincipalAccount', ['123456789012', '111122223333'], { 'aws:PrincipalAccount': '111122223333' }),
    ).toBe(false);
    expect(
      judge('StringNotEquals', 'aws:PrincipalAccount', ['123456789012', '444455556666'], { 'aws:PrincipalAccount': '111122223333' }),
    ).toBe(true);
  });
});

describe('numeric operators [OPS]: "comparing a key to an integer or decimal value"', () => {
  it.each([
    ['NumericEquals', '10', '10', true],
    ['NumericEquals', '10', '10.0', true],
    ['NumericNotEquals', '10', '11', true],
    ['NumericNotEquals', '10', '10', false],
    ['NumericLessThan', '10', '9.5', true],
    ['NumericLessThan', '10', '10', false],
    ['NumericLessThanEquals', '10', '10', true],
    ['NumericGreaterThan', '10', '10', false],
    ['NumericGreaterThan', '10', '-11', false],
    ['NumericGreaterThanEquals', '10', '10', true],
    ['NumericGreaterThanEquals', '10', '100', true],
  ])('%s %s with context value %s is %s', (operator, policyValue, actual, expected) => {
    expect(judge(operator, 's3:max-keys', policyValue, { 's3:max-keys': actual })).toBe(expected);
  });

  it('accepts the policy value written as a JSON number ("Quotation marks are optional for numeric and Boolean values")', () => {
    expect(conditionOf('NumericLessThanEquals', 's3:max-keys', 10, { 's3:max-keys': '10' })).toMatchObject({
      values: ['10'],
      result: true,
    });
  });

  // Decision: a value that is not a number cannot be compared, so neither the operator nor its negation holds.
  it('does not match a non-numeric value, negated or not', () => {
    expect(judge('NumericEquals', 's3:max-keys', '10', { 's3:max-keys': 'ten' })).toBe(false);
    expect(judge('NumericNotEquals', 's3:max-keys', '10', { 's3:max-keys': 'ten' })).toBe(false);
    expect(judge('NumericLessThan', 's3:max-keys', 'ten', { 's3:max-keys': '1' })).toBe(false);
    expect(judge('NumericNotEquals', 's3:max-keys', 'ten', { 's3:max-keys': '1' })).toBe(false);
  });

  it('reads integers and decimals only', () => {
    expect([
      parseNumber('42'),
      parseNumber('-1.5'),
      parseNumber('.5'),
      parseNumber('1e3'),
      parseNumber(''),
      parseNumber(' 1'),
      parseNumber('0x10'),
    ]).toEqual([42, -1.5, 0.5, null, null, null, null]);
  });
});

describe('date operators [OPS]: "one of the W3C implementations of the ISO 8601 date formats or in epoch (UNIX) time"', () => {
  const now = { 'aws:CurrentTime': '2026-11-27T10:00:00Z', 'aws:EpochTime': '1795773600' };

  it('compares ISO 8601 and epoch seconds on one time line', () => {
    expect(parseDate('2026-11-27T10:00:00Z')).toBe(Date.UTC(2026, 10, 27, 10, 0, 0));
    expect(parseDate('1795773600')).toBe(Date.UTC(2026, 10, 27, 10, 0, 0)); // `date -u -d @1795773600`
    expect(judge('DateEquals', 'aws:CurrentTime', '1795773600', now)).toBe(true);
    expect(judge('DateEquals', 'aws:EpochTime', '2026-11-27T10:00:00Z', now)).toBe(true);
    expect(judge('DateLessThan', 'aws:EpochTime', '2026-11-27T10:00:01Z', now)).toBe(true);
    expect(judge('DateGreaterThan', 'aws:CurrentTime', 1795773599, now)).toBe(true);
  });

  it.each([
    ['DateEquals', '2026-11-27T10:00:00Z', true],
    ['DateNotEquals', '2026-11-27T10:00:00Z', false],
    ['DateLessThan', '2026-11-27T10:00:00Z', false],
    ['DateLessThanEquals', '2026-11-27T10:00:00Z', true],
    ['DateGreaterThan', '2026-11-27', true],
    ['DateGreaterThanEquals', '2026-11-28', false],
    ['DateLessThan', '2026-11-27T11:00:00+02:00', false], // 09:00Z
    ['DateGreaterThan', '2026-11-27T05:00:00-05:00', false], // 10:00Z
    ['DateEquals', '2026-11-27T10:00:00.000Z', true],
  ])('aws:CurrentTime %s %s is %s', (operator, value, expected) => {
    expect(judge(operator, 'aws:CurrentTime', value, now)).toBe(expected);
  });

  it('does not match a date that does not exist or is not a date', () => {
    expect(parseDate('2026-02-30')).toBeNull();
    expect(parseDate('yesterday')).toBeNull();
    expect(judge('DateLessThan', 'aws:CurrentTime', '2026-02-30T00:00:00Z', now)).toBe(false);
    expect(judge('DateNotEquals', 'aws:CurrentTime', 'yesterday', now)).toBe(false);
  });
});

describe('Bool [OPS]: "comparing a key to "true" or "false""', () => {
  it('compares the strings "true" and "false", and JSON booleans as written', () => {
    expect(judge('Bool', 'aws:SecureTransport', 'false', { 'aws:SecureTransport': 'false' })).toBe(true);
    expect(judge('Bool', 'aws:SecureTransport', 'false', { 'aws:SecureTransport': 'true' })).toBe(false);
    expect(conditionOf('Bool', 'aws:SecureTransport', true, { 'aws:SecureTransport': 'true' })).toMatchObject({
      values: ['true'],
      result: true,
    });
    expect(judge('Bool', 'aws:SecureTransport', 'TRUE', { 'aws:SecureTransport': 'true' })).toBe(true);
  });

  it('does not match a value that is not a boolean', () => {
    expect(judge('Bool', 'aws:SecureTransport', 'yes', { 'aws:SecureTransport': 'true' })).toBe(false);
    expect(judge('Bool', 'aws:SecureTransport', 'true', { 'aws:SecureTransport': '1' })).toBe(false);
  });

  // IAM UG, NotAction: "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"} denies callers without MFA, and long-term keys carry no MFA key.
  it('BoolIfExists "false" holds for a false key and for a missing one', () => {
    expect(judge('BoolIfExists', 'aws:MultiFactorAuthPresent', 'false', { 'aws:MultiFactorAuthPresent': 'false' })).toBe(true);
    expect(judge('BoolIfExists', 'aws:MultiFactorAuthPresent', 'false', { 'aws:MultiFactorAuthPresent': 'absent' })).toBe(true);
    expect(judge('BoolIfExists', 'aws:MultiFactorAuthPresent', 'false', { 'aws:MultiFactorAuthPresent': 'true' })).toBe(false);
  });
});

describe('BinaryEquals [OPS]: "compares the value of the specified key byte for byte against a base-64 encoded representation of the binary value in the policy"', () => {
  it('compares the decoded bytes', () => {
    expect(judge('BinaryEquals', 'k', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', { k: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' })).toBe(true);
    expect(judge('BinaryEquals', 'k', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', { k: 'QmluYXJ5VmFsdWVJbkJhc2U2NQ==' })).toBe(false);
  });

  it('does not match text that is not base-64', () => {
    expect(judge('BinaryEquals', 'k', 'not base64!', { k: 'not base64!' })).toBe(false);
    expect(judge('BinaryEquals', 'k', 'QQ=', { k: 'QQ=' })).toBe(false);
  });
});

describe('IP address operators [OPS]: "standard CIDR format (for example, 203.0.113.0/24 or 2001:DB8:1234:5678::/64) ... without the associated routing prefix, IAM uses the default prefix value of /32"', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0', true],
    ['203.0.113.0/24', '203.0.113.255', true],
    ['203.0.113.0/24', '203.0.114.1', false],
    ['203.0.113.7', '203.0.113.7', true],
    ['203.0.113.7', '203.0.113.8', false],
    ['203.0.113.7/24', '203.0.113.200', true], // host bits of the range are ignored
    ['0.0.0.0/0', '198.51.100.1', true],
    ['2001:DB8:1234:5678::/64', '2001:db8:1234:5678:abcd::1', true],
    ['2001:DB8:1234:5678::/64', '2001:db8:1234:5679::1', false],
    ['2001:db8::/32', '2001:0db8:ffff:0000:0000:0000:0000:0001', true],
    ['::ffff:192.0.2.0/120', '::ffff:192.0.2.77', true],
    ['::1', '0:0:0:0:0:0:0:1', true],
    ['203.0.113.0/24', '2001:db8::1', false], // another IP version is never in the range
    ['2001:db8::/32', '203.0.113.1', false],
  ])('IpAddress %s contains %s: %s', (range, address, expected) => {
    expect(judge('IpAddress', 'aws:SourceIp', range, { 'aws:SourceIp': address })).toBe(expected);
  });

  it('mixes IPv4 and IPv6 ranges in one condition (OR)', () => {
    const ranges = ['203.0.113.0/24', '2001:DB8:1234:5678::/64'];
    expect(judge('IpAddress', 'aws:SourceIp', ranges, { 'aws:SourceIp': '2001:db8:1234:5678::9' })).toBe(true);
    expect(judge('NotIpAddress', 'aws:SourceIp', ranges, { 'aws:SourceIp': '2001:db8:1234:5678::9' })).toBe(false);
    expect(judge('NotIpAddress', 'aws:SourceIp', ranges, { 'aws:SourceIp': '198.51.100.1' })).toBe(true);
  });

  it('does not match a source that is not an address (CloudTrail writes a service name when a service called)', () => {
    expect(judge('IpAddress', 'aws:SourceIp', '0.0.0.0/0', { 'aws:SourceIp': 'dynamodb.amazonaws.com' })).toBe(false);
    expect(judge('NotIpAddress', 'aws:SourceIp', '203.0.113.0/24', { 'aws:SourceIp': 'AWS Internal' })).toBe(false);
  });

  it.each(['203.0.113.0/33', '203.0.113', '256.0.0.1', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', '1.2.3.4::'])(
    'never matches with the malformed range %s',
    (range) => {
      expect(judge('IpAddress', 'aws:SourceIp', range, { 'aws:SourceIp': '203.0.113.1' })).toBe(false);
    },
  );
});

describe('ARN operators [OPS]: "Each of the six colon-delimited components of the ARN is checked separately ... The ArnEquals and ArnLike condition operators behave identically"', () => {
  const sourceArn = { 'aws:SourceArn': 'arn:aws:sns:eu-west-1:123456789012:orders-topic' };

  it('ArnEquals and ArnLike both take wildcards, per segment', () => {
    expect(judge('ArnEquals', 'aws:SourceArn', 'arn:aws:sns:*:123456789012:orders-*', sourceArn)).toBe(true);
    expect(judge('ArnLike', 'aws:SourceArn', 'arn:aws:sns:*:123456789012:orders-*', sourceArn)).toBe(true);
    expect(judge('ArnLike', 'aws:SourceArn', 'arn:aws:sns:*:999999999999:*', sourceArn)).toBe(false);
    expect(judge('ArnLike', 'aws:SourceArn', 'arn:aws:*:123456789012:*', sourceArn)).toBe(false); // five segments
  });

  it('ArnNotEquals and ArnNotLike negate', () => {
    expect(judge('ArnNotEquals', 'aws:SourceArn', 'arn:aws:sns:eu-west-1:123456789012:orders-topic', sourceArn)).toBe(false);
    expect(judge('ArnNotLike', 'aws:SourceArn', 'arn:aws:sns:*:999999999999:*', sourceArn)).toBe(true);
  });

  it('does not let a wildcard cross segments, where StringLike would', () => {
    const keys = { 'aws:SourceArn': 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt' };
    expect(judge('StringLike', 'aws:SourceArn', 'arn:aws:someservice:*:111122223333:finance/*', keys)).toBe(true);
    expect(judge('ArnLike', 'aws:SourceArn', 'arn:aws:someservice:*:111122223333:finance/*', keys)).toBe(false);
  });
});

describe('Null [OPS]: "use either true (the key doesn\'t exist — it is null) or false (the key exists and its value is not null)"', () => {
  it.each([
    ['true', 'absent', true],
    ['true', '2026-01-01T00:00:00Z', false],
    ['false', 'absent', false],
    ['false', '2026-01-01T00:00:00Z', true],
    ['true', 'unresolved', 'unresolved'],
    ['false', 'unresolved', 'unresolved'],
  ] as const)('Null "%s" on aws:TokenIssueTime %s is %s', (value, actual, expected) => {
    expect(judge('Null', 'aws:TokenIssueTime', value, { 'aws:TokenIssueTime': actual })).toBe(expected);
  });

  it('holds either way when it asks both "true" and "false", even for an unresolved key', () => {
    expect(judge('Null', 'aws:TokenIssueTime', ['true', 'false'], { 'aws:TokenIssueTime': 'unresolved' })).toBe(true);
  });

  it('takes JSON booleans, and counts an empty set of values as null ([MULTI]: "a null data set")', () => {
    expect(judge('Null', 'aws:TagKeys', false, { 'aws:TagKeys': [] })).toBe(false);
    expect(judge('Null', 'aws:TagKeys', true, { 'aws:TagKeys': [] })).toBe(true);
  });

  it('is a policy error with IfExists, a set operator or a value other than true/false ([OPS]: "IfExists ... except the Null condition")', () => {
    const parse = (condition: Record<string, unknown>) => () =>
      parsePolicyDocument({ Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition: condition } });
    expect(parse({ NullIfExists: { k: 'true' } })).toThrow(
      'Statement.Condition.NullIfExists: "NullIfExists": Null takes neither IfExists nor a set operator',
    );
    expect(parse({ 'ForAllValues:Null': { k: 'true' } })).toThrow(/Null takes neither IfExists nor a set operator/);
    expect(parse({ Null: { k: ['true', 'maybe'] } })).toThrow('Statement.Condition.Null.k[1]: Null takes "true" or "false", not "maybe"');
  });
});

describe('set operators on multivalued keys [MULTI]', () => {
  const allowed = ['PostDateTime', 'Message', 'Tags'];

  // [MULTI]: ForAllValues "returns true if every key value in the request matches at least one value in the policy. It
  // also returns true if there are no keys in the request, or if the key values resolve to a null data set".
  it('ForAllValues: every request value must match one policy value; no key or an empty set is true', () => {
    expect(judge('ForAllValues:StringEquals', 'dynamodb:Attributes', allowed, { 'dynamodb:Attributes': ['Message', 'Tags'] })).toBe(true);
    expect(
      judge('ForAllValues:StringEquals', 'dynamodb:Attributes', allowed, { 'dynamodb:Attributes': ['PostDateTime', 'UserName'] }),
    ).toBe(false);
    expect(judge('ForAllValues:StringEquals', 'dynamodb:Attributes', allowed, { 'dynamodb:Attributes': 'absent' })).toBe(true);
    expect(judge('ForAllValues:StringEquals', 'dynamodb:Attributes', allowed, { 'dynamodb:Attributes': [] })).toBe(true);
  });

  // [MULTI]: ForAnyValue "returns true if any one of the key values in the request matches any one of the condition
  // values in the policy. For no matching key or a null dataset, the condition returns false."
  it('ForAnyValue: one request value matching one policy value is enough; no key or an empty set is false', () => {
    const forbidden = ['ID', 'PostDateTime'];
    expect(
      judge('ForAnyValue:StringEquals', 'dynamodb:Attributes', forbidden, {
        'dynamodb:Attributes': ['UserName', 'Message', 'PostDateTime'],
      }),
    ).toBe(true);
    expect(judge('ForAnyValue:StringEquals', 'dynamodb:Attributes', forbidden, { 'dynamodb:Attributes': ['UserName'] })).toBe(false);
    expect(judge('ForAnyValue:StringEquals', 'dynamodb:Attributes', forbidden, { 'dynamodb:Attributes': 'absent' })).toBe(false);
    expect(judge('ForAnyValue:StringEquals', 'dynamodb:Attributes', forbidden, { 'dynamodb:Attributes': [] })).toBe(false);
  });

  it('with a negated operator: ForAnyValue asks that some request value match no policy value, ForAllValues that none does', () => {
    const listed = ['DataClass', 'Owner'];
    expect(judge('ForAnyValue:StringNotEquals', 'aws:TagKeys', listed, { 'aws:TagKeys': ['Dept', 'DataClass'] })).toBe(true);
    expect(judge('ForAnyValue:StringNotEquals', 'aws:TagKeys', listed, { 'aws:TagKeys': ['DataClass', 'Owner'] })).toBe(false);
    expect(judge('ForAnyValue:StringNotEquals', 'aws:TagKeys', listed, { 'aws:TagKeys': 'absent' })).toBe(false);
    expect(judge('ForAllValues:StringNotLike', 'aws:TagKeys', ['key1*'], { 'aws:TagKeys': ['a', 'b'] })).toBe(true);
    expect(judge('ForAllValues:StringNotLike', 'aws:TagKeys', ['key1*'], { 'aws:TagKeys': ['a', 'key1-x'] })).toBe(false);
    expect(judge('ForAllValues:StringNotLike', 'aws:TagKeys', ['key1*'], { 'aws:TagKeys': 'absent' })).toBe(true);
  });

  it('works with every operator family, e.g. ARN and IP values', () => {
    expect(
      judge('ForAnyValue:ArnLike', 'aws:CalledVia', 'arn:aws:iam::*:role/*', {
        'aws:CalledVia': ['x', 'arn:aws:iam::111122223333:role/r'],
      }),
    ).toBe(true);
    expect(judge('ForAllValues:IpAddress', 'k', '10.0.0.0/8', { k: ['10.1.1.1', '10.2.2.2'] })).toBe(true);
  });

  it('ForAnyValue ...IfExists on a missing key is true', () => {
    expect(judge('ForAnyValue:StringEqualsIfExists', 'aws:TagKeys', 'x', { 'aws:TagKeys': 'absent' })).toBe(true);
  });

  // Decision (AWS documents set operators as required for multivalued keys, not what happens without one): a plain
  // operator on several values asks that some value match; a negated one that none does.
  it('without a set operator, a multivalued key matches when some value does (negated: when none does)', () => {
    expect(judge('StringEquals', 'aws:TagKeys', 'Owner', { 'aws:TagKeys': ['Dept', 'Owner'] })).toBe(true);
    expect(judge('StringNotEquals', 'aws:TagKeys', 'Owner', { 'aws:TagKeys': ['Dept', 'Owner'] })).toBe(false);
    expect(judge('StringNotEquals', 'aws:TagKeys', 'Owner', { 'aws:TagKeys': ['Dept'] })).toBe(true);
  });
});

describe('operator names', () => {
  const parse = (operator: string) => () =>
    parsePolicyDocument({ Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition: { [operator]: { k: 'v' } } } });

  it('rejects an unknown operator or set operator, naming it', () => {
    expect(parse('StringEqual')).toThrow('Statement.Condition.StringEqual: unknown condition operator "StringEqual"');
    expect(parse('ForSomeValues:StringEquals')).toThrow('unknown set operator "ForSomeValues" (ForAllValues or ForAnyValue)');
    expect(parse('BinaryNotEquals')).toThrow('unknown condition operator "BinaryNotEquals"');
  });

  it('keeps the operator as written in the result', () => {
    expect(conditionOf('ForAnyValue:StringLikeIfExists', 'k', 'v*', { k: ['vv'] })).toMatchObject({
      operator: 'ForAnyValue:StringLikeIfExists',
      result: true,
    });
  });
});
