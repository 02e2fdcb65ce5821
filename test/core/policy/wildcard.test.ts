import { ArnPattern, WildcardPattern, wildcardPieces } from '../../../core/policy/wildcard';

const matchesWildcard = (pattern: string, value: string, ignoreCase: boolean) =>
  new WildcardPattern(wildcardPieces(pattern), ignoreCase).matches(value);

const arnLike = (pattern: string, value: string) => new ArnPattern(wildcardPieces(pattern)).matches(value);

describe('wildcards * and ?', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything:at/all', true],
    ['a*', 'a', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbd', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['*b*b*', 'abab', true],
    ['??', 'é✓', true], // one character is one code point, not one UTF-16 unit
    ['?', '😀', true],
    ['a**b', 'ab', true],
  ])(
    '%s against %s is %s (IAM UG, Condition operators: "multi-character match wildcards (*) and single-character match wildcards (?) anywhere in the string")',
    (pattern, value, expected) => {
      expect(matchesWildcard(pattern, value, false)).toBe(expected);
    },
  );

  it('is case-sensitive unless asked otherwise', () => {
    expect(matchesWildcard('Orders*', 'orders-eu', false)).toBe(false);
    expect(matchesWildcard('Orders*', 'orders-eu', true)).toBe(true);
  });

  // IAM UG, Action element: "The prefix and the action name are case insensitive. For example, iam:ListAccessKeys is the
  // same as IAM:listaccesskeys"; "iam:*AccessKey*" applies to "CreateAccessKey, DeleteAccessKey, ListAccessKeys, and UpdateAccessKey".
  it.each(['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'IAM:listaccesskeys', 'iam:UpdateAccessKey'])(
    'action iam:*AccessKey* matches %s',
    (action) => {
      expect(new WildcardPattern(wildcardPieces('iam:*AccessKey*'), true).matches(action)).toBe(true);
    },
  );

  it('keeps literal pieces literal: a * that came from text is not a wildcard', () => {
    expect(new WildcardPattern(['a*b'], false).matches('a*b')).toBe(true);
    expect(new WildcardPattern(['a*b'], false).matches('axb')).toBe(false);
  });

  // Oracle: on short inputs, a regular expression with `.` for `?` and `.*` for `*` (code-point mode) agrees.
  it('agrees with a regular-expression reading on thousands of random short patterns and values', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = (alphabet: readonly string[], length: number) => Array.from({ length }, () => alphabet[random(alphabet.length)]).join('');
    const disagreements: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const pattern = pick(['a', 'b', '*', '?', '😀'], random(7));
      const value = pick(['a', 'b', '😀', '*'], random(9));
      const regex = new RegExp(`^${Array.from(pattern, (c) => (c === '*' ? '.*' : c === '?' ? '.' : c)).join('')}$`, 'su');
      if (matchesWildcard(pattern, value, false) !== regex.test(value)) disagreements.push(`${pattern} ~ ${value}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('matches pathological patterns without backtracking blow-up (a recursive or regex matcher would not finish)', () => {
    const pattern = `${'*a'.repeat(40)}b`;
    expect(matchesWildcard(pattern, 'a'.repeat(20_000), false)).toBe(false);
    expect(matchesWildcard(pattern, `${'a'.repeat(20_000)}b`, false)).toBe(true);
    expect(matchesWildcard(`*${'a'.repeat(5_000)}b*`, 'a'.repeat(100_000), false)).toBe(false);
    expect(matchesWildcard(`*${'?'.repeat(50)}b`, `${'a'.repeat(100_000)}b`, false)).toBe(true);
  });
});

describe('ARN patterns', () => {
  // IAM UG, Condition operators (ARN): with pattern arn:aws:someservice:*:111122223333:finance/* and value
  // arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt, "With a StringLike condition,
  // the match succeeds ... With an ArnLike condition, which matches elements between colons, the match fails."
  it('matches segment by segment: a wildcard does not cross a colon before the resource part', () => {
    const pattern = 'arn:aws:someservice:*:111122223333:finance/*';
    const value = 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt';
    expect(matchesWildcard(pattern, value, false)).toBe(true);
    expect(arnLike(pattern, value)).toBe(false);
  });

  it('lets a wildcard in the resource part span colons and slashes', () => {
    expect(arnLike('arn:aws:dynamodb:*:*:table/*', 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/index/byDate')).toBe(true);
    expect(arnLike('arn:aws:logs:*:*:log-group:*', 'arn:aws:logs:eu-west-1:111122223333:log-group:app:log-stream:x')).toBe(true);
  });

  // IAM UG, Resource element: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*" applies to all of the listed objects and not to the others.
  it.each([
    ['DOC-EXAMPLE-BUCKET/1/test/object.jpg', true],
    ['DOC-EXAMPLE-BUCKET/1/2/test/object.jpg', true],
    ['DOC-EXAMPLE-BUCKET/1/2/test/3/object.jpg', true],
    ['DOC-EXAMPLE-BUCKET/1/2/3/test/4/object.jpg', true],
    ['DOC-EXAMPLE-BUCKET/1///test///object.jpg', true],
    ['DOC-EXAMPLE-BUCKET/1/test/.jpg', true],
    ['DOC-EXAMPLE-BUCKET//test/object.jpg', true],
    ['DOC-EXAMPLE-BUCKET/1/test/', true],
    ['DOC-EXAMPLE-BUCKET/1-test/object.jpg', false],
    ['DOC-EXAMPLE-BUCKET/test/object.jpg', false],
    ['DOC-EXAMPLE-BUCKET/1/2/test.jpg', false],
  ])('arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/* against %s is %s', (object, expected) => {
    expect(arnLike('arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*', `arn:aws:s3:::${object}`)).toBe(expected);
  });

  it('is case-sensitive (IAM UG, ARN operators: "Case-sensitive matching of the ARN")', () => {
    expect(arnLike('arn:aws:dynamodb:*:*:table/orders', 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders')).toBe(false);
  });

  it('matches "*" against anything, and a value that is not an ARN only by a pattern without colons', () => {
    expect(arnLike('*', 'not an arn')).toBe(true);
    expect(arnLike('arn:aws:dynamodb:*:*:table/*', 'not an arn')).toBe(false);
    expect(arnLike('arn:aws:dynamodb:*:*:table/*', 'arn:aws:dynamodb')).toBe(false);
  });

  // Decision: a pattern of two to five colon-separated segments is not an ARN; AWS does not document it, so it names nothing.
  it('names nothing with a pattern of two to five segments', () => {
    expect(arnLike('arn:aws:*', 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders')).toBe(false);
  });
});

// A pattern without `*` or `?` is matched by comparing strings; these are the cases where that must agree with matching
// segment by segment (IAM UG, ARN operators: "Case-sensitive matching of the ARN"; Action: case-insensitive).
describe('patterns without wildcards', () => {
  const TABLE = 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders';

  it('name exactly the same ARN, case-sensitively in every segment', () => {
    expect(arnLike(TABLE, TABLE)).toBe(true);
    expect(arnLike(TABLE, 'arn:aws:DynamoDB:eu-west-1:111122223333:table/Orders')).toBe(false);
    expect(arnLike('arn:aws:DynamoDB:eu-west-1:111122223333:table/Orders', TABLE)).toBe(false);
    expect(arnLike(TABLE, `${TABLE}/index/byDate`)).toBe(false);
    expect(arnLike(`${TABLE}/index/byDate`, TABLE)).toBe(false);
    expect(arnLike(TABLE, TABLE.slice(0, -1))).toBe(false);
  });

  it('still name nothing with two to five segments, even the same text', () => {
    expect(arnLike('arn:aws:dynamodb', 'arn:aws:dynamodb')).toBe(false);
    expect(arnLike('arn:aws:dynamodb:eu-west-1:111122223333', 'arn:aws:dynamodb:eu-west-1:111122223333')).toBe(false);
  });

  it('compare a pattern without colons with the whole value', () => {
    expect(arnLike('Orders', 'Orders')).toBe(true);
    expect(arnLike('Orders', 'orders')).toBe(false);
  });

  it('keep a literal * or ? (from ${*} or ${?}) literal', () => {
    expect(new ArnPattern(['arn:aws:s3:::bucket/a*b?']).matches('arn:aws:s3:::bucket/a*b?')).toBe(true);
    expect(new ArnPattern(['arn:aws:s3:::bucket/a*b?']).matches('arn:aws:s3:::bucket/axbc')).toBe(false);
  });

  it('differ from a ? pattern, which takes exactly one character in its segment', () => {
    expect(arnLike('arn:aws:dynamodb:eu-west-?:111122223333:table/Orders', TABLE)).toBe(true);
    expect(arnLike('arn:aws:dynamodb:eu-west-?:111122223333:table/Orders', TABLE.replace('eu-west-1', 'eu-west-10'))).toBe(false);
    expect(arnLike('arn:aws:dynamodb:eu-west-1:111122223333:table/Order?', TABLE)).toBe(true);
    expect(arnLike('arn:aws:dynamodb:eu-west-1:111122223333:table/Order?', `${TABLE}s`)).toBe(false);
  });

  it('as actions, ignore case on both sides', () => {
    expect(matchesWildcard('DynamoDB:GetItem', 'dynamodb:getitem', true)).toBe(true);
    expect(matchesWildcard('dynamodb:getitem', 'DYNAMODB:GETITEM', true)).toBe(true);
    expect(matchesWildcard('dynamodb:GetItem', 'dynamodb:GetItems', true)).toBe(false);
  });

  it('match the empty value only when empty themselves', () => {
    expect(matchesWildcard('', '', false)).toBe(true);
    expect(matchesWildcard('', 'a', false)).toBe(false);
  });
});
