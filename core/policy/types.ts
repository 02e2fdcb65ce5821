import type { POLICY_CAUSES } from '../diagnosis/types';

/**
 * The policy evaluator's shared shapes: the request being judged, one statement's verdict, and the
 * `evaluation` contract on a diagnosis. Pure data: no SDK, no I/O.
 */

/** Three-valued logic: a condition or statement whose outcome turns on an unresolved context key is 'unresolved'. */
export type Tri = true | false | 'unresolved';

/**
 * A condition key's value in the request context.
 * - present: the request carries the key (single-valued keys hold one string; multivalued keys any number, possibly none).
 * - absent: the request is known not to carry the key (e.g. aws:SourceVpce for a call that went through no endpoint).
 * - unresolved: the record cannot tell (never treated as false).
 */
export type ContextValue =
  | { readonly kind: 'present'; readonly values: readonly string[]; readonly multivalued: boolean }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unresolved' };

/** The principal making the request, as policies see it. */
export interface RequestPrincipal {
  /** iam-user | assumed-role | root | federated-user | aws-service | aws-account | unknown */
  readonly type: 'iam-user' | 'assumed-role' | 'root' | 'federated-user' | 'aws-service' | 'aws-account' | 'unknown';
  /** The ARN identity policies attach to (role ARN for a session, user ARN), a service principal, or null. */
  readonly arn: string | null;
  /** The session ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) for assumed roles, else null. */
  readonly sessionArn: string | null;
  readonly accountId: string | null;
  /** True for service-linked roles (path /aws-service-role/): outside SCPs. */
  readonly serviceLinked: boolean;
}

/** What AWS would evaluate for one call: built from a CloudTrail record (and the policy store), or given by hand. */
export interface RequestContext {
  readonly principal: RequestPrincipal;
  /** service:Action as the request names it, e.g. dynamodb:GetItem. Matching is case-insensitive. */
  readonly action: string;
  /** The resource ARN, or null when unknown (then resource matching is unresolved unless the statement allows '*'). */
  readonly resource: string | null;
  /** The account that owns the resource, when known. */
  readonly resourceAccountId: string | null;
  /**
   * Condition keys by lower-case name (condition key names are case-insensitive). A key not in the map is
   * unresolved, never absent: absence must be stated by the context builder, with the reason in the code.
   */
  readonly keys: ReadonlyMap<string, ContextValue>;
}

/** One Condition entry's verdict: operator, key, the policy's values, the context values used, the result. */
export interface ConditionResult {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
  readonly actual: readonly string[] | null;
  readonly result: Tri;
}

/**
 * How a statement's Principal (or NotPrincipal) covers the caller, the most specific way when several entries do.
 * The layered evaluation needs it: a key policy that names the account delegates to IAM policies, and a resource
 * policy that names the session or the user itself is not limited by a permissions boundary or a session policy.
 */
export type PrincipalMatch =
  | 'everyone' // "*" or {"AWS": "*"}
  | 'account' // an account id or arn:aws:iam::ACCOUNT:root: every principal of that account
  | 'role' // the role ARN of the caller's session
  | 'session' // the assumed-role session ARN itself
  | 'user' // the IAM user ARN
  | 'federated-user' // an STS federated-user ARN
  | 'service' // a "Service" entry naming the calling service principal
  | 'not-principal'; // a NotPrincipal that does not name every identity of the caller

/** How one statement fares against a request. */
export interface StatementVerdict {
  readonly statementIndex: number;
  readonly sid: string | null;
  readonly effect: 'Allow' | 'Deny';
  /** The statement as written in the policy. */
  readonly statement: Record<string, unknown>;
  /** Action/NotAction, Resource/NotResource, Principal/NotPrincipal and every condition together. */
  readonly applies: Tri;
  /** How Principal/NotPrincipal covers the caller; null when the policy has none or it does not (surely) cover the caller. */
  readonly principalMatch: PrincipalMatch | null;
  readonly conditions: readonly ConditionResult[];
}

/** The policy causes of a diagnosis, plus a KMS key policy (which a message calls a resource-based policy). */
export type PolicyType = (typeof POLICY_CAUSES)[number] | 'key-policy';

export type Decision = 'explicit-deny' | 'implicit-deny' | 'allow' | 'inconclusive';

export interface DeniedBy {
  readonly policyType: PolicyType;
  readonly policyArn: string | null;
  readonly policyName: string | null;
  /** The SCP/RCP attachment (root, OU or account id), else null. */
  readonly target: string | null;
  readonly sid: string | null;
  readonly statementIndex: number;
  readonly statement: Record<string, unknown>;
  readonly conditions: readonly ConditionResult[];
}

export interface MissingAllow {
  readonly policyType: PolicyType;
  readonly target: string | null;
  /** The policies of that layer that were evaluated (ARN, else name). */
  readonly policies: readonly string[];
}

/**
 * Which evidence an evaluation came from, best first:
 * - authorization-details: AWS's own record of the denial (IAM Access Troubleshooter), by the message's authorization id;
 * - store: the policy store the user gave (--policies);
 * - fetched: the policies read from AWS now, with the caller's credentials;
 * - message: no policy of the denial could be read (every read failed, or the denial names nothing that can be read):
 *   the decision is the message's kind of denial, nothing else is known, and missingPolicies says what could not be read.
 */
export type EvidenceSource = 'authorization-details' | 'store' | 'fetched' | 'message';

/** The evaluator's verdict on a request, before it says which evidence it was made from. */
export interface PolicyEvaluation {
  readonly decision: Decision;
  readonly deniedBy: readonly DeniedBy[];
  readonly missingAllow: readonly MissingAllow[];
  readonly unresolvedKeys: readonly string[];
  readonly missingPolicies: readonly string[];
  readonly agreesWithMessage: boolean | null;
}

/** The `evaluation` field of a diagnosis: null there when neither a store nor evidence from AWS was asked for. */
export interface Evaluation extends PolicyEvaluation {
  readonly source: EvidenceSource;
}
