import { parsePolicyDocument, PolicyFormatError } from '../../../core/policy/document';

// [GRAMMAR] IAM UG, "Grammar of the IAM JSON policy language"; element pages as cited.

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' }] };

describe('reading a policy document', () => {
  it('reads an object', () => {
    const document = parsePolicyDocument(ALLOW_ALL);
    expect(document.version).toBe('2012-10-17');
    expect(document.statements).toHaveLength(1);
    expect(document.statements[0]).toMatchObject({ sid: 'All', effect: 'Allow', statement: ALLOW_ALL.Statement[0] });
  });

  it('reads its JSON text', () => {
    expect(parsePolicyDocument(JSON.stringify(ALLOW_ALL, null, 2)).statements[0].statement).toEqual(ALLOW_ALL.Statement[0]);
  });

  // IAM's GetPolicyVersion / GetRolePolicy return the document "URL-encoded compliant with RFC 3986".
  it('reads its URL-encoded JSON text, as IAM returns it', () => {
    const encoded = encodeURIComponent(JSON.stringify(ALLOW_ALL, null, 2));
    expect(encoded.startsWith('%7B')).toBe(true);
    expect(parsePolicyDocument(encoded).statements[0].statement).toEqual(ALLOW_ALL.Statement[0]);
  });

  it('reads a single Statement object as statement 0', () => {
    const document = parsePolicyDocument({
      Version: '2012-10-17',
      Statement: { Effect: 'Deny', Action: 'dynamodb:DeleteTable', Resource: '*' },
    });
    expect(document.statements).toHaveLength(1);
    expect(document.statements[0].sid).toBeNull();
  });

  it('accepts a document without Version (2008-10-17 rules: no variables)', () => {
    expect(parsePolicyDocument({ Statement: [] }).version).toBeNull();
  });

  it('accepts a statement without Resource (role trust policies): it covers what the policy is attached to', () => {
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    expect(parsePolicyDocument(trust, { principalElement: 'required' }).statements[0].resources).toBeNull();
  });
});

describe('a malformed document is a PolicyFormatError naming where in it', () => {
  const problemOf = (input: unknown, options?: Parameters<typeof parsePolicyDocument>[1]) => {
    try {
      parsePolicyDocument(input, options);
    } catch (error) {
      if (error instanceof PolicyFormatError) return { message: error.message, path: error.path, reason: error.reason };
      throw error;
    }
    throw new Error('no error');
  };
  const statement = (fields: Record<string, unknown>) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, fields],
  });

  it.each([
    ['text that is not JSON', '{"Statement": [', /^policy text that is not JSON \(/],
    ['URL-encoded text that does not decode', '%7B%E0%A4%A', 'URL-encoded policy text that does not decode'],
    ['a JSON array', '[]', 'a policy document must be a JSON object'],
    ['a number', 42, 'a policy document must be a JSON object'],
    ['null', null, 'a policy document must be a JSON object'],
  ])('%s', (_, input, expected) => {
    expect(problemOf(input).message).toMatch(expected);
  });

  it.each([
    ['an unknown top-level element', { Statement: [], Statements: [] }, 'Statements: unknown policy element (Version, Id, Statement)'],
    [
      'a Version that is not a policy language version',
      { Version: '2012-10-18', Statement: [] },
      'Version: must be "2012-10-17" or "2008-10-17", not "2012-10-18"',
    ],
    ['no Statement', { Version: '2012-10-17' }, 'Statement: is missing'],
    ['a Statement that is a string', { Statement: 'x' }, 'Statement: must be an object or an array'],
    ['a statement that is not an object', { Statement: [{ Effect: 'Allow', Action: '*' }, 'x'] }, 'Statement[1]: must be an object'],
    [
      'an unknown statement element',
      statement({ Effect: 'Allow', Action: '*', Resources: '*' }),
      /^Statement\[1\]\.Resources: unknown statement element/,
    ],
    ['no Effect', statement({ Action: '*' }), 'Statement[1].Effect: is missing'],
    [
      'an Effect in the wrong case',
      statement({ Effect: 'allow', Action: '*' }),
      'Statement[1].Effect: must be "Allow" or "Deny", not "allow"',
    ],
    ['no Action or NotAction', statement({ Effect: 'Allow', Resource: '*' }), 'Statement[1].Action: is missing (Action or NotAction)'],
    [
      'both Action and NotAction',
      statement({ Effect: 'Allow', Action: '*', NotAction: 's3:*' }),
      'Statement[1].NotAction: cannot be used together with Action',
    ],
    [
      'both Resource and NotResource',
      statement({ Effect: 'Allow', Action: '*', Resource: '*', NotResource: 'x' }),
      'Statement[1].NotResource: cannot be used together with Resource',
    ],
    ['an empty Action list', statement({ Effect: 'Allow', Action: [] }), 'Statement[1].Action: must not be an empty array'],
    [
      'an Action that is not a string',
      statement({ Effect: 'Allow', Action: ['s3:GetObject', 7] }),
      'Statement[1].Action[1]: must be a non-empty string',
    ],
    ['a Sid that is not a string', statement({ Sid: 1, Effect: 'Allow', Action: '*' }), 'Statement[1].Sid: must be a string'],
    [
      'a Condition that is not an object',
      statement({ Effect: 'Allow', Action: '*', Condition: [] }),
      'Statement[1].Condition: must be an object',
    ],
    [
      'an operator block that is not an object',
      statement({ Effect: 'Allow', Action: '*', Condition: { StringEquals: 'x' } }),
      'Statement[1].Condition.StringEquals: must be an object',
    ],
    [
      'a condition value that is an object',
      statement({ Effect: 'Allow', Action: '*', Condition: { StringEquals: { k: { v: 1 } } } }),
      'Statement[1].Condition.StringEquals.k: must be a string, a number or a boolean',
    ],
    [
      'a condition value list with null',
      statement({ Effect: 'Allow', Action: '*', Condition: { StringEquals: { k: ['a', null] } } }),
      'Statement[1].Condition.StringEquals.k[1]: must be a string, a number or a boolean',
    ],
    [
      'an empty condition value list',
      statement({ Effect: 'Allow', Action: '*', Condition: { StringEquals: { k: [] } } }),
      'Statement[1].Condition.StringEquals.k: must have at least one value',
    ],
    [
      'a Principal that is a bare ARN',
      statement({ Effect: 'Allow', Action: '*', Principal: 'arn:aws:iam::111122223333:root' }),
      'Statement[1].Principal: must be "*" or an object such as {"AWS": [...]}',
    ],
    [
      'an unknown principal type',
      statement({ Effect: 'Allow', Action: '*', Principal: { IAM: '111122223333' } }),
      'Statement[1].Principal.IAM: unknown principal type (AWS, Service, Federated, CanonicalUser)',
    ],
    [
      'an empty principal map',
      statement({ Effect: 'Allow', Action: '*', Principal: {} }),
      'Statement[1].Principal: must name at least one principal',
    ],
  ])('%s', (_, input, expected) => {
    expect(problemOf(input).message).toMatch(expected);
  });

  it('keeps the path and the reason apart, so a store can prefix its own path', () => {
    expect(problemOf({ Statement: [{ Effect: 'Allow', Action: '*', Condition: { StringEquals: 'x' } }] })).toEqual({
      message: 'Statement[0].Condition.StringEquals: must be an object',
      path: 'Statement[0].Condition.StringEquals',
      reason: 'must be an object',
    });
    expect(problemOf({ Statement: 'x' })).toMatchObject({ path: 'Statement', reason: 'must be an object or an array' });
  });

  // IAM UG, Principal element: "You cannot use the Principal element in an identity-based policy"; grammar: "The
  // principal_block element is required in resource-based policies ... and in trust policies"; VPC endpoint policies
  // "must contain a Principal element" (Amazon VPC, endpoint policies); RCPs have one too (AWS Organizations, RCP syntax).
  it('rejects Principal where the policy kind forbids it, and its absence where the kind requires it', () => {
    const withPrincipal = { Statement: { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' } };
    const withoutPrincipal = { Statement: { Effect: 'Deny', Action: '*', Resource: '*' } };
    const withNotPrincipal = { Statement: { Effect: 'Deny', NotPrincipal: { AWS: '111122223333' }, Action: '*', Resource: '*' } };
    expect(problemOf(withPrincipal, { principalElement: 'forbidden' }).message).toBe(
      'Statement.Principal: not allowed in this policy: it applies to the principal it is attached to',
    );
    expect(problemOf(withNotPrincipal, { principalElement: 'forbidden' }).message).toMatch(/^Statement\.NotPrincipal: not allowed/);
    expect(problemOf(withoutPrincipal, { principalElement: 'required' }).message).toBe(
      'Statement.Principal: is missing: a resource-based policy names the principals it covers',
    );
    expect(parsePolicyDocument(withNotPrincipal, { principalElement: 'required' }).statements).toHaveLength(1);
    expect(parsePolicyDocument(withoutPrincipal).statements).toHaveLength(1);
    expect(parsePolicyDocument(withPrincipal).statements).toHaveLength(1);
  });
});
