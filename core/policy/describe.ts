import type { OrganizationPolicy, StoredPolicy } from './store';
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
export function policyDescription(
  entry: Pick<DeniedBy, 'policyType' | 'policyArn' | 'policyName' | 'target'>,
  resource: string | null,
): string {
  const type = POLICY_TYPE_LABELS[entry.policyType];
  const names = [entry.policyArn, entry.policyName].filter((name): name is string => name !== null && name !== '');
  const at = entry.target === null ? '' : ` at ${entry.target}`;
  if (entry.policyType === 'resource-policy' || entry.policyType === 'key-policy') return `${type} of ${resource ?? 'the resource'}`;
  if (entry.policyType === 'vpc-endpoint-policy') return `${type} of ${entry.policyName ?? 'the endpoint'}`;
  // The name adds nothing when the ARN ends with it (arn:…:policy/ProtectProductionTables).
  const [first, second] = names;
  const alias = second !== undefined && second !== first && !first.endsWith(`/${second}`) ? ` (${second})` : '';
  return first === undefined ? `${type}${at}` : `${type} ${first}${alias}${at}`;
}

/** A layer as a whole: several identity policies or SCPs, one boundary, session policy, key policy, … */
const LAYER_LABELS: Readonly<Record<PolicyType, string>> = {
  ...POLICY_TYPE_LABELS,
  'identity-policy': 'identity-based policies',
  'service-control-policy': 'service control policies',
  'resource-control-policy': 'resource control policies',
};

/** The layer that lacks an allow: "service control policies at ou-ab12-22222222", "identity-based policies". */
export function layerDescription(entry: MissingAllow): string {
  return `${LAYER_LABELS[entry.policyType]}${entry.target === null ? '' : ` at ${entry.target}`}`;
}

/** One condition as a person reads it: `StringNotEquals aws:PrincipalArn ["arn:…"] (request: arn:…) → true`. */
export function conditionDescription(condition: ConditionResult): string {
  return `${condition.operator} ${condition.key} ${JSON.stringify(condition.values)} ${conditionOutcome(condition)}`;
}

/** What the request held for a condition and what came of it: `(request: arn:…) → true`. */
export function conditionOutcome(condition: ConditionResult): string {
  const missingValue = condition.result === 'unresolved' ? 'unknown' : 'not in the request';
  const actual =
    condition.actual === null ? missingValue : condition.actual.length === 1 ? condition.actual[0] : JSON.stringify(condition.actual);
  const result = condition.result === 'unresolved' ? 'unresolved: the record does not show it' : String(condition.result);
  return `(request: ${actual}) → ${result}`;
}

/**
 * A statement's key in `scan --json` byStatement: its policy (ARN, else name — a VPC endpoint policy's is the endpoint
 * id —, else type and resource) and its Sid.
 */
export function statementKey(
  entry: Pick<DeniedBy, 'policyType' | 'policyArn' | 'policyName' | 'sid' | 'statementIndex'>,
  resource: string | null,
): string {
  const policy = entry.policyArn ?? entry.policyName ?? `${POLICY_TYPE_LABELS[entry.policyType]} of ${resource ?? 'the resource'}`;
  return `${policy} ${entry.sid !== null && entry.sid !== '' ? entry.sid : `#${entry.statementIndex + 1}`}`;
}

/** How a stored policy is named in the evaluation: its ARN, else its name (an SCP/RCP: else its id). */
export function policyLabel(policy: StoredPolicy | OrganizationPolicy): string {
  return policy.arn ?? policy.name ?? ('id' in policy ? (policy.id ?? 'unnamed policy') : 'unnamed policy');
}
