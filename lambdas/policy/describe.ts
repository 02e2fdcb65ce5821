import type { ConditionResult, DeniedBy, MissingAllow, PolicyType } from './types';

/** Policy types as a sentence names them. */
export const POLICY_TYPE_LABELS: Readonly<Record<PolicyType, string>> = {
  'identity-policy': 'identity-based policy',
  'service-control-policy': 'service control policy',
  'resource-control-policy': 'resource control policy',
  'vpc-endpoint-policy': 'VPC endpoint policy',
  'permissions-boundary': 'permissions boundary',
  'session-policy': 'session policy',
  'resource-policy': 'resource-based policy',
  'key-policy': 'key policy',
};

/** "statement DenyDeletes" or "statement #2" (1-based for people; statementIndex stays 0-based in the contract). */
export function statementName(entry: Pick<DeniedBy, 'sid' | 'statementIndex'>): string {
  return entry.sid !== null && entry.sid !== '' ? `statement "${entry.sid}"` : `statement #${entry.statementIndex + 1}`;
}

/** "service control policy p-1 (DenyDeletes) at ou-ab12-…", "key policy of arn:aws:kms:…", … */
export function policyDescription(entry: Pick<DeniedBy, 'policyType' | 'policyArn' | 'policyName' | 'target'>, resource: string | null): string {
  const type = POLICY_TYPE_LABELS[entry.policyType];
  const names = [entry.policyArn, entry.policyName].filter((name): name is string => name !== null && name !== '');
  const at = entry.target === null ? '' : ` at ${entry.target}`;
  if (entry.policyType === 'resource-policy' || entry.policyType === 'key-policy') return `${type} of ${resource ?? 'the resource'}`;
  return names.length === 0 ? `${type}${at}` : `${type} ${names[0]}${names[1] !== undefined && names[1] !== names[0] ? ` (${names[1]})` : ''}${at}`;
}

/** The layer that lacks an allow: "service control policies at ou-ab12-22222222", "identity-based policies". */
export function layerDescription(entry: MissingAllow): string {
  const type = POLICY_TYPE_LABELS[entry.policyType];
  return `${type === 'permissions boundary' ? type : `${type.replace(/policy$/, 'policies')}`}${entry.target === null ? '' : ` at ${entry.target}`}`;
}

/** One condition as a person reads it: `StringNotEquals aws:PrincipalArn ["arn:…"] (request: arn:…) → true`. */
export function conditionDescription(condition: ConditionResult): string {
  const missingValue = condition.result === 'unresolved' ? 'unknown' : 'not in the request';
  const actual = condition.actual === null ? missingValue : condition.actual.length === 1 ? condition.actual[0] : JSON.stringify(condition.actual);
  const result = condition.result === 'unresolved' ? 'unresolved: the record does not show it' : String(condition.result);
  return `${condition.operator} ${condition.key} ${JSON.stringify(condition.values)} (request: ${actual}) → ${result}`;
}
