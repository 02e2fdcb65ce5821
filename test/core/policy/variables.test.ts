import { compileTemplate, resolveTemplate } from '../../../core/policy/variables';
import { ANY_RUN } from '../../../core/policy/wildcard';
import { contextKeys, judge, request, verdictOf } from './language-fixtures';

// [VARS] IAM UG, "IAM policy elements: Variables and tags"; [OPS] IAM UG, "IAM JSON policy elements: Condition operators".

const resolve = (text: string, keys: Parameters<typeof contextKeys>[0], wildcards = true) =>
  resolveTemplate(compileTemplate(text, { variables: true, wildcards }), contextKeys(keys));

describe('substitution', () => {
  it('replaces ${aws:username} with the value from the request ([VARS] "IAM replaces the variable ${aws:username} with the friendly name of the actual current user")', () => {
    expect(resolve('home/${aws:username}/*', { 'aws:username': 'David' })).toEqual({ kind: 'value', pieces: ['home/David/', ANY_RUN] });
  });

  it('reads key names without regard to case ([VARS] "Key names are case-insensitive")', () => {
    expect(resolve('${AWS:UserName}', { 'aws:username': 'David' })).toEqual({ kind: 'value', pieces: ['David'] });
  });

  it('keeps a substituted value literal: its * is not a wildcard', () => {
    expect(resolve('${aws:PrincipalTag/team}', { 'aws:PrincipalTag/team': 'a*' })).toEqual({ kind: 'value', pieces: ['a*'] });
  });

  // [VARS] Special characters: "${*} - use where you need an * (asterisk) character", likewise ${?} and ${$}.
  it('reads ${*}, ${?} and ${$} as the literal characters', () => {
    expect(resolve('a${*}b${?}c${$}', {})).toEqual({ kind: 'value', pieces: ['a*b?c$'] });
    expect(judge('StringLike', 'k', 'a${*}b', { k: 'a*b' })).toBe(true);
    expect(judge('StringLike', 'k', 'a${*}b', { k: 'axb' })).toBe(false);
    expect(judge('StringLike', 'k', 'a*b', { k: 'axb' })).toBe(true);
  });

  // [VARS] Specifying default values: "Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}"
  it('uses the default when the key has no value, and the value when it has one', () => {
    const text = "DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}";
    expect(resolve(text, { 'aws:PrincipalTag/team': 'absent' })).toEqual({ kind: 'value', pieces: ['DOC-EXAMPLE-BUCKET-company-wide'] });
    expect(resolve(text, { 'aws:PrincipalTag/team': 'yellow' })).toEqual({ kind: 'value', pieces: ['DOC-EXAMPLE-BUCKET-yellow'] });
  });

  // [VARS] Policy variables with no value: "the value is effectively null. There is no equal or like value."
  it('has no value when the key is absent and no default is given', () => {
    expect(resolve('home/${aws:username}', { 'aws:username': 'absent' })).toEqual({ kind: 'no-value' });
  });

  // [VARS] "You can't use a multivalued condition key as a variable."
  it('has no value for a multivalued key', () => {
    expect(resolve('${aws:TagKeys}', { 'aws:TagKeys': ['a'] })).toEqual({ kind: 'no-value' });
  });

  it('is unresolved when the record cannot tell the key, default or not (the key may be present)', () => {
    expect(resolve('${aws:username}', {})).toEqual({ kind: 'unresolved', keys: ['aws:username'] });
    expect(resolve("${aws:username, 'x'}", { 'aws:username': 'unresolved' })).toEqual({ kind: 'unresolved', keys: ['aws:username'] });
  });

  it('leaves malformed variables as literal text', () => {
    expect(resolve('a${aws:username', { 'aws:username': 'David' })).toEqual({ kind: 'value', pieces: ['a${aws:username'] });
    expect(resolve('${}', {})).toEqual({ kind: 'value', pieces: ['${}'] });
    expect(resolve("${aws:username, 'x}", { 'aws:username': 'David' })).toEqual({ kind: 'value', pieces: ["${aws:username, 'x}"] });
  });

  it('ignores spaces around the name and the default', () => {
    expect(resolve("${ aws:username ,  'guest' }", { 'aws:username': 'absent' })).toEqual({ kind: 'value', pieces: ['guest'] });
  });
});

describe('where variables are substituted', () => {
  const tableOf = (name: string) => `arn:aws:dynamodb:eu-west-1:111122223333:table/${name}`;

  // [VARS] Resource element: the example "arn:aws:dynamodb:us-east-2:account-id:table/${aws:username}".
  it('in the resource part of a Resource ARN', () => {
    const statement = { Effect: 'Allow', Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:*:*:table/${aws:username}' };
    expect(verdictOf(statement, request({ resource: tableOf('David'), keys: { 'aws:username': 'David' } })).applies).toBe(true);
    expect(verdictOf(statement, request({ resource: tableOf('Adele'), keys: { 'aws:username': 'David' } })).applies).toBe(false);
  });

  // [VARS] "You can't use a variable to replace parts of the ARN before the fifth colon, such as the service or account."
  it('not before the fifth colon of a Resource ARN', () => {
    const statement = { Effect: 'Allow', Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:${aws:RequestedRegion}:*:table/*' };
    expect(verdictOf(statement, request({ keys: { 'aws:RequestedRegion': 'eu-west-1' } })).applies).toBe(false);
  });

  // [VARS] "If you don't include the Version element and set it to an appropriate version date, variables like
  // ${aws:username} are treated as literal strings in the policy."
  it.each([null, '2008-10-17'])('not under policy Version %s: the text is literal', (version) => {
    const statement = { Effect: 'Allow', Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:*:*:table/${aws:username}' };
    expect(
      verdictOf(statement, request({ resource: tableOf('David'), keys: { 'aws:username': 'David' } }), undefined, version).applies,
    ).toBe(false);
    expect(
      verdictOf(statement, request({ resource: tableOf('${aws:username}'), keys: { 'aws:username': 'David' } }), undefined, version)
        .applies,
    ).toBe(true);
  });

  // [VARS] "You can use a policy variable for Condition values in any condition that involves the string operators or
  // the ARN operators"; [OPS] Boolean: "You can use a policy variable with the Boolean condition operator".
  it('in string, ARN and Bool condition values', () => {
    expect(
      judge('StringEquals', 's3:ExistingObjectTag/Team', '${aws:PrincipalTag/Team}', {
        's3:ExistingObjectTag/Team': 'blue',
        'aws:PrincipalTag/Team': 'blue',
      }),
    ).toBe(true);
    expect(
      judge('StringLike', 'sns:endpoint', 'https://example.com/${aws:username}/', {
        'sns:endpoint': 'https://example.com/David/',
        'aws:username': 'David',
      }),
    ).toBe(true);
    expect(
      judge('ArnEquals', 'aws:SourceArn', 'arn:aws:iam::${aws:PrincipalAccount}:role/x', {
        'aws:SourceArn': 'arn:aws:iam::111122223333:role/x',
        'aws:PrincipalAccount': '111122223333',
      }),
    ).toBe(true);
    expect(judge('Bool', 'k', '${aws:SecureTransport}', { k: 'true', 'aws:SecureTransport': 'true' })).toBe(true);
  });

  // [OPS]: "You can not use a policy variable with the Numeric / Date / Binary / IpAddress / Null condition operator."
  it('not in numeric, date or IP condition values: the text stays literal and matches nothing', () => {
    expect(judge('NumericEquals', 'k', '${aws:EpochTime}', { k: '5', 'aws:EpochTime': '5' })).toBe(false);
    expect(judge('DateEquals', 'aws:CurrentTime', '${aws:CurrentTime}', { 'aws:CurrentTime': '2026-01-01T00:00:00Z' })).toBe(false);
    expect(judge('IpAddress', 'aws:SourceIp', '${aws:SourceIp}', { 'aws:SourceIp': '203.0.113.1' })).toBe(false);
  });

  // [VARS] "You can use policy variables in the Resource element and in string comparisons in the Condition element."
  it('not in Action or Principal', () => {
    const keys = { 'aws:username': 'GetItem', 'aws:PrincipalAccount': '111122223333' };
    expect(verdictOf({ Effect: 'Allow', Action: 'dynamodb:${aws:username}', Resource: '*' }, request({ keys })).applies).toBe(false);
    expect(
      verdictOf({ Effect: 'Allow', Principal: { AWS: '${aws:PrincipalAccount}' }, Action: '*', Resource: '*' }, request({ keys }), {
        principalElement: 'required',
      }).applies,
    ).toBe(false);
  });

  it('not in condition keys', () => {
    expect(judge('StringEquals', 'aws:PrincipalTag/${aws:username}', 'x', { 'aws:username': 'David', 'aws:PrincipalTag/David': 'x' })).toBe(
      'unresolved',
    );
  });
});

describe('a variable without a value', () => {
  // [VARS]: "operators like StringEquals or StringLike do not match ... Inverted condition operators like StringNotEquals
  // or StringNotLike do match against a null value".
  it('makes StringEquals/StringLike false and StringNotEquals/StringNotLike true', () => {
    const keys = { 's3:ExistingObjectTag/Team': 'blue', 'aws:PrincipalTag/Team': 'absent' } as const;
    expect(judge('StringEquals', 's3:ExistingObjectTag/Team', '${aws:PrincipalTag/Team}', keys)).toBe(false);
    expect(judge('StringLike', 's3:ExistingObjectTag/Team', '${aws:PrincipalTag/Team}*', keys)).toBe(false);
    expect(judge('StringNotEquals', 's3:ExistingObjectTag/Team', '${aws:PrincipalTag/Team}', keys)).toBe(true);
    expect(judge('StringNotLike', 's3:ExistingObjectTag/Team', '${aws:PrincipalTag/Team}*', keys)).toBe(true);
  });

  it('leaves the condition unresolved when the variable cannot be resolved', () => {
    expect(judge('StringNotEquals', 's3:ExistingObjectTag/Team', '${aws:PrincipalTag/Team}', { 's3:ExistingObjectTag/Team': 'blue' })).toBe(
      'unresolved',
    );
  });

  it('does not matter when the condition key itself is missing', () => {
    expect(judge('StringEquals', 's3:ExistingObjectTag/Team', '${aws:PrincipalTag/Team}', { 's3:ExistingObjectTag/Team': 'absent' })).toBe(
      false,
    );
  });

  // [VARS]: "If a variable that has no value ... is used as part of the Resource or NotResource element of a policy, the
  // resource that includes a policy variable with no value will not match any resource."
  it('makes its Resource entry match no resource, so NotResource excludes nothing', () => {
    const keys = { 'aws:username': 'absent' } as const;
    expect(
      verdictOf({ Effect: 'Allow', Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:*:*:table/${aws:username}' }, request({ keys }))
        .applies,
    ).toBe(false);
    expect(
      verdictOf({ Effect: 'Deny', Action: 'dynamodb:*', NotResource: 'arn:aws:dynamodb:*:*:table/${aws:username}' }, request({ keys }))
        .applies,
    ).toBe(true);
  });
});
