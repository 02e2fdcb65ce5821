/** Requests and one-statement policies for the policy-language tests. */
import { evaluateCondition } from '../../../core/policy/conditions';
import { parsePolicyDocument, type PolicyOptions } from '../../../core/policy/document';
import { evaluatePolicy } from '../../../core/policy/statement';
import type { ConditionResult, ContextValue, RequestContext, RequestPrincipal, StatementVerdict } from '../../../core/policy/types';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app`;
export const SESSION_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`;
export const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/Orders`;

export const SESSION: RequestPrincipal = {
  type: 'assumed-role',
  arn: ROLE_ARN,
  sessionArn: SESSION_ARN,
  accountId: ACCOUNT,
  serviceLinked: false,
};

/** A context key's value: a string or list (present), 'absent', or 'unresolved'. A list is a multivalued key. */
export type KeyValue = string | readonly string[] | 'absent' | 'unresolved';

export function contextKeys(keys: Readonly<Record<string, KeyValue>>): Map<string, ContextValue> {
  return new Map(
    Object.entries(keys).map(([name, value]): [string, ContextValue] => {
      if (value === 'absent') return [name.toLowerCase(), { kind: 'absent' }];
      if (value === 'unresolved') return [name.toLowerCase(), { kind: 'unresolved' }];
      if (typeof value === 'string') return [name.toLowerCase(), { kind: 'present', values: [value], multivalued: false }];
      return [name.toLowerCase(), { kind: 'present', values: value, multivalued: true }];
    }),
  );
}

export function request(
  overrides: Partial<Omit<RequestContext, 'keys'>> & { keys?: Readonly<Record<string, KeyValue>> } = {},
): RequestContext {
  const { keys = {}, ...rest } = overrides;
  return {
    principal: SESSION,
    action: 'dynamodb:GetItem',
    resource: TABLE_ARN,
    resourceAccountId: ACCOUNT,
    ...rest,
    keys: contextKeys(keys),
  };
}

/** The verdict of a policy with one statement (Version 2012-10-17 unless the statement says otherwise). */
export function verdictOf(
  statement: Record<string, unknown>,
  req: RequestContext = request(),
  options?: PolicyOptions,
  version: string | null = '2012-10-17',
): StatementVerdict {
  const document = version === null ? { Statement: statement } : { Version: version, Statement: statement };
  const [verdict] = evaluatePolicy(parsePolicyDocument(document, options), req);
  return verdict;
}

/** One condition (operator, key, values) judged against context keys. */
export function conditionOf(
  operator: string,
  key: string,
  values: unknown,
  keys: Readonly<Record<string, KeyValue>>,
  version = '2012-10-17',
): ConditionResult {
  const document = parsePolicyDocument({
    Version: version,
    Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { [operator]: { [key]: values } } },
  });
  return evaluateCondition(document.statements[0].conditions[0], contextKeys(keys));
}

/** The result alone. */
export function judge(operator: string, key: string, values: unknown, keys: Readonly<Record<string, KeyValue>>): ConditionResult['result'] {
  return conditionOf(operator, key, values, keys).result;
}
