import { iamEntityOf, parseArn } from '../diagnosis/arn';
import type { Diagnosis } from '../diagnosis/types';
import { isVpcEndpointId, tableArnOf } from './needs';
import {
  STORE_FORMAT,
  withoutEmptyParts,
  type PolicyStoreFile,
  type StoredDocument,
  type StoredOrganizationPolicy,
  type StoredPolicy,
} from './store-fragment';
import type { DeniedBy, Evaluation, PolicyType } from './types';

/**
 * AWS's own record of a denial (IAM Access Troubleshooter, GetRequestAuthorizationDetails) and what denyscope makes
 * of it. Pure: the adapter fetches the record and the captured documents.
 */

export type RecordPolicyType =
  | 'IDENTITY_BASED_POLICY'
  | 'PERMISSIONS_BOUNDARY'
  | 'RESOURCE_BASED_POLICY'
  | 'RESOURCE_CONTROL_POLICY'
  | 'SERVICE_CONTROL_POLICY'
  | 'SESSION_POLICY'
  | 'VPC_ENDPOINT_POLICY';

export interface RecordPolicy {
  readonly type?: RecordPolicyType | string;
  readonly inline?: boolean;
  /** A managed policy's ARN; an opaque id for an inline one. */
  readonly uri?: string;
  /** The principal (identity, boundary, session policies), the resource, or the Organizations ARN of a root, OU or account. */
  readonly attachedTo?: readonly { readonly arn?: string }[];
}

export interface RecordEvaluation {
  readonly action?: string;
  readonly resource?: string;
  readonly context?: Record<string, unknown>;
  readonly evaluatedEffect?: 'ALLOW' | 'EXPLICIT_DENY' | 'IMPLICIT_DENY' | string;
  readonly matchedPolicies?: readonly {
    readonly uri?: string;
    readonly matchedStatements?: readonly { readonly sid?: string; readonly evaluatedEffect?: 'ALLOW' | 'DENY' | string }[];
  }[];
}

export interface AuthorizationRecord {
  readonly requestContext: Record<string, unknown>;
  readonly policies: readonly RecordPolicy[];
  readonly evaluations: readonly RecordEvaluation[];
}

/** AWS keeps the record at least this long after the denial; later, denyscope does not ask. */
export const AUTHORIZATION_RECORD_RETENTION_MS = 24 * 60 * 60 * 1000;

const POLICY_TYPES: Readonly<Record<string, PolicyType>> = {
  IDENTITY_BASED_POLICY: 'identity-policy',
  PERMISSIONS_BOUNDARY: 'permissions-boundary',
  RESOURCE_BASED_POLICY: 'resource-policy',
  RESOURCE_CONTROL_POLICY: 'resource-control-policy',
  SERVICE_CONTROL_POLICY: 'service-control-policy',
  SESSION_POLICY: 'session-policy',
  VPC_ENDPOINT_POLICY: 'vpc-endpoint-policy',
};

/** deniedBy's order (issue 10): SCP (root → account), RCP, VPC endpoint, resource, key, boundary, session, identity. */
const LAYER_ORDER: readonly PolicyType[] = [
  'service-control-policy',
  'resource-control-policy',
  'vpc-endpoint-policy',
  'resource-policy',
  'key-policy',
  'permissions-boundary',
  'session-policy',
  'identity-policy',
];

/** The evaluations about the denied call: those of the diagnosis's action, else all (a record may hold several). */
function evaluationsOfCall(record: AuthorizationRecord, action: string): readonly RecordEvaluation[] {
  const own = record.evaluations.filter((evaluation) => evaluation.action?.toLowerCase() === action.toLowerCase());
  return own.length > 0 ? own : record.evaluations;
}

/** The policy type of a record entry; a resource-based policy on a KMS key is its key policy. */
function policyTypeOf(policy: RecordPolicy): PolicyType | null {
  const type = POLICY_TYPES[policy.type ?? ''] ?? null;
  if (type === 'resource-policy' && (policy.attachedTo ?? []).some((target) => parseArn(target.arn)?.service === 'kms'))
    return 'key-policy';
  return type;
}

/** An Organizations ARN's last segment is the root, OU or account id (arn:aws:organizations::MGMT:ou/o-x/ou-ab12-1). */
function organizationTargetOf(arn: string | undefined): string | null {
  if (!arn) return null;
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'organizations') return null;
  return parsed.resource.slice(parsed.resource.lastIndexOf('/') + 1) || null;
}

const TARGET_RANK = (target: string): number => (target.startsWith('r-') ? 0 : target.startsWith('ou-') ? 1 : 2);

/** The statements of a document, as written (a single-object Statement is index 0). */
function statementsOf(document: StoredDocument | undefined): Record<string, unknown>[] {
  if (document === undefined || typeof document === 'string') return [];
  const statement = document.Statement;
  if (Array.isArray(statement))
    return statement.filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null);
  return typeof statement === 'object' && statement !== null ? [statement as Record<string, unknown>] : [];
}

/**
 * The statement a matched sid names: the statement with that Sid; AWS generates a sid for a statement without one,
 * so when no Sid matches and the document has exactly one Deny statement without a Sid, that one. Otherwise
 * statementIndex is -1 and the statement is empty: the record names a statement the captured document does not show.
 */
function locateDenyStatement(
  document: StoredDocument | undefined,
  sid: string | undefined,
): { index: number; statement: Record<string, unknown>; sid: string | null } {
  const statements = statementsOf(document);
  const named = statements.findIndex((statement) => statement.Sid === sid);
  if (named >= 0) return { index: named, statement: statements[named], sid: sid ?? null };
  const unnamedDenies = statements
    .map((statement, index) => ({ statement, index }))
    .filter(({ statement }) => statement.Effect === 'Deny' && statement.Sid === undefined);
  if (unnamedDenies.length === 1) return { index: unnamedDenies[0].index, statement: unnamedDenies[0].statement, sid: null };
  return { index: -1, statement: {}, sid: sid ?? null };
}

/** Every statement AWS matched with a deny effect, in issue 10's layer order; SCPs and RCPs once per level they are attached at. */
export function deniedByOfRecord(record: AuthorizationRecord, documents: ReadonlyMap<string, StoredDocument>, action: string): DeniedBy[] {
  const byUri = new Map(record.policies.filter((policy) => policy.uri !== undefined).map((policy) => [policy.uri as string, policy]));
  const denied: (DeniedBy & { rank: number })[] = [];
  for (const evaluation of evaluationsOfCall(record, action)) {
    if (evaluation.evaluatedEffect !== 'EXPLICIT_DENY') continue;
    for (const matched of evaluation.matchedPolicies ?? []) {
      const policy = matched.uri === undefined ? undefined : byUri.get(matched.uri);
      const policyType = policy ? policyTypeOf(policy) : null;
      if (!policy || !policyType || matched.uri === undefined) continue;
      const managed = policy.inline !== true;
      const document = documents.get(matched.uri);
      const organizational = policyType === 'service-control-policy' || policyType === 'resource-control-policy';
      const targets = organizational
        ? (policy.attachedTo ?? []).map((target) => organizationTargetOf(target.arn)).filter((target): target is string => target !== null)
        : [];
      for (const statement of matched.matchedStatements ?? []) {
        if (statement.evaluatedEffect !== 'DENY') continue;
        const located = locateDenyStatement(document, statement.sid);
        for (const target of organizational ? (targets.length > 0 ? targets : [null]) : [null]) {
          if (
            denied.some(
              (entry) =>
                entry.policyArn === (managed ? matched.uri : null) &&
                entry.statementIndex === located.index &&
                entry.target === target &&
                entry.policyType === policyType &&
                entry.sid === located.sid,
            )
          )
            continue;
          denied.push({
            policyType,
            policyArn: managed ? matched.uri : null,
            policyName: managed ? matched.uri.slice(matched.uri.lastIndexOf('/') + 1) : null,
            target,
            sid: located.sid,
            statementIndex: located.index,
            statement: located.statement,
            conditions: [],
            rank: LAYER_ORDER.indexOf(policyType) * 10 + (target === null ? 0 : TARGET_RANK(target)),
          });
        }
      }
    }
  }
  return denied.sort((a, b) => a.rank - b.rank).map(({ rank: _rank, ...entry }) => entry);
}

/** The record's decision for the denied call: any explicit deny, else any implicit deny, else allow; null when the record holds no evaluation of it. */
export function decisionOfRecord(record: AuthorizationRecord, action: string): Evaluation['decision'] | null {
  const effects = evaluationsOfCall(record, action).map((evaluation) => evaluation.evaluatedEffect);
  if (effects.length === 0) return null;
  if (effects.includes('EXPLICIT_DENY')) return 'explicit-deny';
  if (effects.includes('IMPLICIT_DENY')) return 'implicit-deny';
  return effects.every((effect) => effect === 'ALLOW') ? 'allow' : null;
}

/**
 * The captured documents as a `denyscope-policies/1` store, so the evaluator can run on exactly what AWS evaluated.
 * The record lists every policy AWS evaluated, so for the denied principal and resource what it does not list is
 * none: no identity policies ([]), no boundary (null), no resource-based policy (null). SCP and RCP levels, VPC
 * endpoints and sessions are written only as the record shows them.
 */
export function capturedPolicyStore(
  record: AuthorizationRecord,
  documents: ReadonlyMap<string, StoredDocument>,
  diagnosis: Pick<Diagnosis, 'principal' | 'principalArn' | 'resource' | 'eventTime'>,
): PolicyStoreFile {
  const principals: Record<
    string,
    {
      policies: StoredPolicy[];
      permissionsBoundary: { arn: string; document: StoredDocument } | null;
      groups?: { name: string; arn: string; policies: StoredPolicy[] }[];
    }
  > = {};
  const sessions: Record<string, { policies: StoredPolicy[] }> = {};
  const resources: Record<string, { policy: StoredDocument | null }> = {};
  const keys: Record<string, { policy: StoredDocument | null }> = {};
  const vpcEndpoints: Record<string, { policy: StoredDocument | null }> = {};
  const serviceControlPolicies: Record<string, StoredOrganizationPolicy[]> = {};
  const resourceControlPolicies: Record<string, StoredOrganizationPolicy[]> = {};
  const accountPath: string[] = [];
  let accountId: string | null = null;

  const principal = (arn: string) => (principals[arn] ??= { policies: [], permissionsBoundary: null });
  if (iamEntityOf(diagnosis.principal)) principal(diagnosis.principal);
  const deniedTable = diagnosis.resource ? tableArnOf(diagnosis.resource) : null;
  if (deniedTable) resources[deniedTable] = { policy: null };

  for (const policy of record.policies) {
    const uri = policy.uri;
    const document = uri === undefined ? undefined : documents.get(uri);
    if (uri === undefined || document === undefined) continue;
    const managed = policy.inline !== true;
    const stored: StoredPolicy = { name: managed ? uri.slice(uri.lastIndexOf('/') + 1) : uri, arn: managed ? uri : null, document };
    for (const { arn } of policy.attachedTo ?? []) {
      if (!arn) continue;
      switch (policy.type) {
        case 'IDENTITY_BASED_POLICY': {
          const group = parseArn(arn)?.resource.startsWith('group/') ? arn : null;
          if (group && iamEntityOf(diagnosis.principal)?.kind === 'user') {
            const entry = principal(diagnosis.principal);
            const groups = (entry.groups ??= []);
            let groupEntry = groups.find((candidate) => candidate.arn === group);
            if (!groupEntry) groups.push((groupEntry = { name: group.slice(group.lastIndexOf('/') + 1), arn: group, policies: [] }));
            groupEntry.policies.push(stored);
          } else {
            principal(arn).policies.push(stored);
          }
          break;
        }
        case 'PERMISSIONS_BOUNDARY':
          principal(arn).permissionsBoundary = { arn: managed ? uri : arn, document };
          break;
        case 'SESSION_POLICY':
          (sessions[arn] ??= { policies: [] }).policies.push(stored);
          break;
        case 'RESOURCE_BASED_POLICY':
          if (parseArn(arn)?.service === 'kms') keys[arn] = { policy: document };
          else resources[tableArnOf(arn) ?? arn] = { policy: document };
          break;
        case 'VPC_ENDPOINT_POLICY': {
          const id = arn.slice(arn.lastIndexOf('/') + 1);
          if (isVpcEndpointId(id)) vpcEndpoints[id] = { policy: document };
          break;
        }
        case 'SERVICE_CONTROL_POLICY':
        case 'RESOURCE_CONTROL_POLICY': {
          const target = organizationTargetOf(arn);
          if (!target) break;
          const into = policy.type === 'SERVICE_CONTROL_POLICY' ? serviceControlPolicies : resourceControlPolicies;
          (into[target] ??= []).push({
            id: uri.slice(uri.lastIndexOf('/') + 1),
            name: uri.slice(uri.lastIndexOf('/') + 1),
            arn: uri,
            document,
          });
          if (TARGET_RANK(target) === 2) accountId = target;
          else if (!accountPath.includes(target)) accountPath.push(target);
          break;
        }
      }
    }
  }
  accountPath.sort((a, b) => TARGET_RANK(a) - TARGET_RANK(b));
  const organization =
    Object.keys(serviceControlPolicies).length + Object.keys(resourceControlPolicies).length === 0
      ? undefined
      : { ...(accountId === null ? {} : { accounts: { [accountId]: accountPath } }), serviceControlPolicies, resourceControlPolicies };
  return withoutEmptyParts({
    format: STORE_FORMAT,
    capturedAt: diagnosis.eventTime === '' ? new Date(0).toISOString() : diagnosis.eventTime,
    principals,
    sessions,
    resources,
    keys,
    vpcEndpoints,
    organization,
  });
}
