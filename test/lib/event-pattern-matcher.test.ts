import { matchesPattern, UnsupportedPatternError } from './event-pattern-matcher';

const event = {
  source: 'aws.dynamodb',
  'detail-type': 'AWS API Call via CloudTrail',
  resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/orders', 'arn:aws:kms:us-east-1:123456789012:key/k'],
  detail: {
    errorCode: 'AccessDenied',
    errorMessage: 'KMS key access denied error',
    count: 3,
    nothing: null,
    userIdentity: { type: 'AssumedRole', invokedBy: 'dynamodb.amazonaws.com' },
  },
};

describe('event pattern matcher', () => {
  it('matches exact values, any of a list, nested objects and array event fields', () => {
    expect(matchesPattern({ source: ['aws.s3', 'aws.dynamodb'] }, event)).toBe(true);
    expect(matchesPattern({ source: ['aws.s3'] }, event)).toBe(false);
    expect(matchesPattern({ detail: { userIdentity: { type: ['AssumedRole'] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { count: [3] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { count: ['3'] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { nothing: [null] } }, event)).toBe(true);
    expect(matchesPattern({ resources: ['arn:aws:kms:us-east-1:123456789012:key/k'] }, event)).toBe(true);
  });

  it('requires every field of the pattern (AND) and fails on missing fields', () => {
    expect(matchesPattern({ source: ['aws.dynamodb'], detail: { errorCode: ['AccessDenied'] } }, event)).toBe(true);
    expect(matchesPattern({ source: ['aws.dynamodb'], detail: { errorCode: ['ValidationException'] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: { deeper: ['x'] } } }, event)).toBe(false);
  });

  it('evaluates prefix, suffix and their equals-ignore-case forms', () => {
    expect(matchesPattern({ detail: { errorMessage: [{ prefix: 'KMS' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { errorMessage: [{ prefix: 'kms' }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { errorMessage: [{ prefix: { 'equals-ignore-case': 'kms' } }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { errorMessage: [{ suffix: 'error' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { count: [{ prefix: '3' }] } }, event)).toBe(false);
  });

  it('evaluates equals-ignore-case and wildcard', () => {
    expect(matchesPattern({ detail: { errorCode: [{ 'equals-ignore-case': 'accessdenied' }] } }, event)).toBe(true);
    expect(matchesPattern({ source: [{ wildcard: 'aws.*' }] }, event)).toBe(true);
    expect(matchesPattern({ source: [{ wildcard: 'aws.s*' }] }, event)).toBe(false);
    expect(matchesPattern({ source: [{ wildcard: 'aws.dynamodb' }] }, event)).toBe(true);
    expect(matchesPattern({ source: [{ wildcard: 'aws?dynamodb' }] }, event)).toBe(false);
  });

  it('evaluates anything-but with a value, a list and a prefix, never matching a missing field', () => {
    expect(matchesPattern({ detail: { errorCode: [{ 'anything-but': 'ThrottlingException' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { errorCode: [{ 'anything-but': ['AccessDenied', 'X'] }] } }, event)).toBe(false);
    expect(matchesPattern({ source: [{ 'anything-but': { prefix: 'aws.' } }] }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: [{ 'anything-but': 'x' }] } }, event)).toBe(false);
  });

  it('evaluates exists on leaves only', () => {
    expect(matchesPattern({ detail: { errorCode: [{ exists: true }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { missing: [{ exists: true }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { userIdentity: [{ exists: true }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { nothing: [{ exists: true }] } }, event)).toBe(true);
  });

  it('evaluates $or alternatives together with the sibling fields', () => {
    const pattern = {
      source: ['aws.dynamodb'],
      detail: { $or: [{ errorCode: ['ValidationException'] }, { userIdentity: { invokedBy: ['dynamodb.amazonaws.com'] } }] },
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern({ ...pattern, source: ['aws.kms'] }, event)).toBe(false);
    expect(matchesPattern({ detail: { $or: [{ errorCode: ['X'] }, { count: [4] }] } }, event)).toBe(false);
  });

  it('refuses operators and shapes it does not evaluate', () => {
    expect(() => matchesPattern({ detail: { count: [{ numeric: ['>', 1] }] } }, event)).toThrow(UnsupportedPatternError);
    expect(() => matchesPattern({ detail: { errorCode: [{ cidr: '10.0.0.0/8' }] } }, event)).toThrow(UnsupportedPatternError);
    expect(() => matchesPattern({ source: 'aws.dynamodb' }, event)).toThrow(UnsupportedPatternError);
    expect(() => matchesPattern({ detail: { $or: [{ errorCode: ['X'] }] } }, event)).toThrow(UnsupportedPatternError);
  });
});
