import { arnAccount, parseArn } from '../diagnosis/arn';
import { allOf, anyOf, not } from './conditions';
import { parsePolicyDocument, type PolicyDocument } from './document';
import { judgeStatements, scopeKeyOf, scopesOf } from './judged-statements';
import { judgedRequest, sessionLineOf, type JudgedRequest, type SessionReads } from './request-verdicts';
import { policyLabel } from './describe';
import type { KeyGrant, OrganizationPolicy, PolicyStore, StoredPolicy } from './store';
import { findPrincipal, findResource } from './store-lookup';
import type { DeniedBy, Evaluation, MissingAllow, PolicyEvaluation, PolicyType, RequestContext, StatementVerdict, Tri } from './types';

/**
 * AWS's policy evaluation logic over the policies of a store, for one request. Pure.
 *
 * Sources (IAM User Guide unless named): "Policy evaluation logic" and "Determining whether a request is allowed or
 * denied within an account" (explicit deny first; SCPs; resource-based policies and how the principal they name decides
 * whether implicit denies in identity policies, permissions boundaries and session policies matter; identity policies;
 * boundaries; session policies, which a federated-user session must have), "Cross-account policy evaluation logic"
 * (both sides must allow), "Permissions boundaries for IAM entities", AWS Organizations "SCP evaluation" (every level
 * from the root to the account must allow) and "RCP evaluation" (RCPFullAWSAccess cannot be detached, so only a Deny
 * matters), "Service control policies" (not the management account's principals, not service-linked roles) and
 * "Resource control policies" (not the management account's resources, not service-linked roles or AWS service
 * principals), AWS KMS "Key policies" (a key policy must allow, directly or by naming the account, which lets IAM
 * policies allow) and "Grants in AWS KMS", AWS PrivateLink "Control access to VPC endpoints using endpoint policies"
 * (an endpoint without a custom policy has the full-access default).
 *
 * What the store does not hold is unknown: it denies nothing, a layer that must allow counts as allowing, and it is
 * named in missingPolicies. A statement that turns on an unresolved key is 'unresolved', and so is whatever depends on it.
 */

/** What the access-denied message said, in the evaluation's terms (for agreesWithMessage). */
export interface MessageClaim {
  readonly policyType: PolicyType | null;
  readonly policyArn: string | null;
  readonly denial: 'explicit' | 'implicit' | 'unknown';
}

/** One policy judged against the request. */
interface JudgedPolicy {
  readonly policyType: PolicyType;
  readonly policyArn: string | null;
  readonly policyName: string | null;
  readonly target: string | null;
  readonly verdicts: readonly StatementVerdict[];
}

/** A layer that must allow (each SCP level, an endpoint, a boundary, …): the policies it holds, or unknown. */
interface Layer {
  readonly policyType: PolicyType;
  readonly target: string | null;
  /** null when the store does not hold the layer (then it allows, as far as the evaluation can tell). */
  readonly policies: readonly JudgedPolicy[] | null;
  /** What missingAllow names for the layer. */
  readonly labels: readonly string[];
}

/** Services whose resources RCPs govern (AWS Organizations "List of AWS services that support RCPs"). */
const RCP_SERVICES = new Set(['s3', 'sts', 'kms', 'sqs', 'secretsmanager', 'cognito-identity', 'logs', 'dynamodb', 'ecr', 'aoss']);

export function evaluateRequest(request: RequestContext, store: PolicyStore, message?: MessageClaim): PolicyEvaluation {
  const judged = judgedRequest(request, store, judgeRequest);
  return { ...judged, agreesWithMessage: agreement(judged.decision, judged.deniedBy, judged.missingAllow, message) };
}

/** The evaluation of a request, judged layer by layer; `reads.session` is set when it read the caller's session ARN. */
function judgeRequest(request: RequestContext, store: PolicyStore, reads: SessionReads): JudgedRequest {
  const missing: string[] = [];
  const scopes = scopesOf(store);
  const scopeKey = scopeKeyOf(request);
  const judge = (
    document: PolicyDocument,
    policyType: PolicyType,
    names: { arn: string | null; name: string | null; target: string | null },
  ): JudgedPolicy => ({
    policyType,
    policyArn: names.arn,
    policyName: names.name,
    target: names.target,
    verdicts: judgeStatements(document, request, scopeKey, scopes, reads),
  });
  const judgeStored = (policy: StoredPolicy, policyType: PolicyType, target: string | null = null): JudgedPolicy =>
    judge(policy.document, policyType, { arn: policy.arn, name: policy.name, target });

  const principal = request.principal;
  const callerAccount = principal.accountId;
  const resourceAccount = request.resourceAccountId ?? arnAccount(request.resource);
  const isServicePrincipal = principal.type === 'aws-service';
  const crossAccount = !isServicePrincipal && callerAccount !== null && resourceAccount !== null && callerAccount !== resourceAccount;
  const onKey = parseArn(request.resource)?.service === 'kms';
  const organization = store.organization;

  // ---- organization layers: SCPs over the caller's account, RCPs over the resource's account ----
  const scpLevels: Layer[] = [];
  const scpApplies = !isServicePrincipal && !principal.serviceLinked && callerAccount !== organization?.managementAccountId;
  if (scpApplies && callerAccount !== null) {
    const path = organizationPath(store, callerAccount, 'service', missing);
    for (const target of path ?? []) {
      const attached = organization?.serviceControlPolicies.get(target);
      if (attached === undefined) missing.push(`service control policies of ${target}`);
      scpLevels.push(organizationLayer('service-control-policy', target, attached, judge));
    }
  }
  const rcpLevels: Layer[] = [];
  const resourceService = parseArn(request.resource)?.service;
  const rcpApplies =
    !isServicePrincipal &&
    !principal.serviceLinked &&
    resourceService !== undefined &&
    RCP_SERVICES.has(resourceService) &&
    resourceAccount !== organization?.managementAccountId;
  if (rcpApplies && resourceAccount !== null) {
    const path = organizationPath(store, resourceAccount, 'resource', missing);
    for (const target of path ?? []) {
      const attached = organization?.resourceControlPolicies.get(target);
      if (attached === undefined) missing.push(`resource control policies of ${target}`);
      rcpLevels.push(organizationLayer('resource-control-policy', target, attached, judge));
    }
  }

  // ---- the VPC endpoint the call went through ----
  const endpointId = presentValue(request, 'aws:SourceVpce');
  let endpoint: Layer | null = null;
  if (endpointId !== null) {
    const entry = store.vpcEndpoints.get(endpointId);
    if (entry?.policy === undefined) missing.push(`VPC endpoint policy of ${endpointId}`);
    const policies =
      entry?.policy === undefined
        ? null
        : [judge(entry.policy ?? DEFAULT_ENDPOINT_POLICY, 'vpc-endpoint-policy', { arn: null, name: endpointId, target: null })];
    endpoint = { policyType: 'vpc-endpoint-policy', target: null, policies, labels: [endpointId] };
  } else if (request.keys.get('aws:sourcevpce') === undefined) {
    missing.push('VPC endpoint policy, if the call goes through an endpoint (aws:SourceVpce is unknown)');
  }

  // ---- the resource's own policy: a resource-based policy, or the KMS key's policy and grants ----
  let resourcePolicy: JudgedPolicy | null = null;
  let resourcePolicyKnown = false;
  let grantAllows: Tri = false;
  let keyPolicy: JudgedPolicy | null = null;
  if (request.resource === null) {
    missing.push('resource-based policy of the resource (the request names none)');
  } else if (onKey) {
    const key = store.keys.get(request.resource);
    if (key?.policy === undefined) missing.push(`key policy of ${request.resource}`);
    else if (key.policy !== null) keyPolicy = judge(key.policy, 'key-policy', { arn: null, name: null, target: null });
    resourcePolicyKnown = key?.policy !== undefined;
    if (key?.grants === undefined) missing.push(`grants of ${request.resource}`);
    else {
      // A grant's grantee may be the session itself.
      if (key.grants.length > 0) reads.session = true;
      grantAllows = anyOf(key.grants.map((grant) => grantCovers(grant, request)));
    }
  } else {
    const entry = findResource(store, request.resource);
    if (entry?.entry.policy === undefined) missing.push(`resource-based policy of ${entry?.arn ?? request.resource}`);
    else if (entry.entry.policy !== null)
      resourcePolicy = judge(entry.entry.policy, 'resource-policy', { arn: null, name: null, target: null });
    resourcePolicyKnown = entry?.entry.policy !== undefined;
  }
  const ownPolicy = onKey ? keyPolicy : resourcePolicy;
  const grants = grantsOf(ownPolicy, principal.type);

  // ---- the caller's side: identity policies (with groups), permissions boundary, session policies ----
  const identity = identityLayers(request, store, missing, judgeStored, reads);

  // ---- explicit denies, in the contract's order ----
  const denyOrder = judgedOf([
    ...scpLevels,
    ...rcpLevels,
    endpoint,
    resourcePolicy,
    keyPolicy,
    identity.boundary,
    identity.session,
    identity.policies,
  ]);
  const denies: Array<ReturnType<typeof deniedByOf>> = [];
  for (const policy of denyOrder) {
    for (const verdict of policy.verdicts)
      if (verdict.effect === 'Deny' && verdict.applies !== false) denies.push(deniedByOf(policy, verdict));
  }
  const definite = denies.filter((entry) => entry.applies === true).map((entry) => entry.deniedBy);
  const possible = denies.filter((entry) => entry.applies === 'unresolved');

  // ---- allows ----
  const scpOk = allOf(scpLevels.map(layerAllows));
  const endpointOk = endpoint === null ? true : layerAllows(endpoint);
  const id = identity.allows;
  const boundary = identity.boundary === null ? true : layerAllows(identity.boundary);
  const session = identity.session === null ? true : layerAllows(identity.session);
  // A key policy the store does not hold counts as allowing, the most direct way; a resource-based policy it does not
  // hold is required only across accounts, where it then counts as allowing too.
  const direct: Tri = onKey ? anyOf([grants.direct, grantAllows, !resourcePolicyKnown]) : grants.direct;
  const entity = grants.entity;
  const delegated = grants.delegated;
  const lacks: Array<{ layer: Layer; lack: Tri }> = scpLevels.map((layer) => ({ layer, lack: not(layerAllows(layer)) }));
  if (endpoint !== null) lacks.push({ layer: endpoint, lack: not(endpointOk) });

  let core: Tri;
  const identityLayer: Layer = {
    policyType: 'identity-policy',
    target: null,
    policies: identity.policies.policies,
    labels: identity.policies.labels,
  };
  const ownLayer: Layer = onKey
    ? { policyType: 'key-policy', target: null, policies: keyPolicy === null ? [] : [keyPolicy], labels: [request.resource ?? 'the key'] }
    : {
        policyType: 'resource-policy',
        target: null,
        policies: resourcePolicy === null ? [] : [resourcePolicy],
        labels: [request.resource ?? 'the resource'],
      };
  const limits = (grantedDirectly: Tri): void => {
    if (identity.boundary !== null) lacks.push({ layer: identity.boundary, lack: allOf([not(boundary), not(grantedDirectly)]) });
    if (identity.session !== null) lacks.push({ layer: identity.session, lack: allOf([not(session), not(grantedDirectly)]) });
  };
  if (crossAccount) {
    // Across accounts the caller's side and the resource's side are judged independently: both must allow.
    const resourceSide = anyOf([direct, entity, delegated, !onKey && !resourcePolicyKnown]);
    core = allOf([id, boundary, session, resourceSide]);
    lacks.push({ layer: identityLayer, lack: not(id) });
    limits(false);
    lacks.push({ layer: ownLayer, lack: not(resourceSide) });
  } else if (onKey) {
    // A key policy naming the caller allows by itself; one naming the account lets the IAM policies allow.
    const identityPath = allOf([anyOf([entity, allOf([delegated, id])]), boundary, session]);
    core = anyOf([direct, identityPath]);
    lacks.push({ layer: ownLayer, lack: not(anyOf([direct, entity, delegated])) });
    lacks.push({ layer: identityLayer, lack: allOf([delegated, not(id), not(entity), not(direct)]) });
    limits(direct);
  } else {
    // Within an account an allow in either the identity policies or the resource-based policy is enough, but only a
    // resource-based policy naming the session or the user itself escapes the boundary and the session policy.
    const identityPath = allOf([anyOf([id, entity]), boundary, session]);
    core = anyOf([direct, identityPath]);
    lacks.push({ layer: identityLayer, lack: not(anyOf([id, entity, direct])) });
    limits(direct);
  }
  const allowed = allOf([scpOk, endpointOk, core]);

  // ---- the decision ----
  let decision: Evaluation['decision'];
  let deniedBy: DeniedBy[] = [];
  let missingAllow: MissingAllow[] = [];
  let unresolvedKeys: string[] = [];
  if (definite.length > 0) {
    decision = 'explicit-deny';
    deniedBy = definite;
  } else if (possible.length === 0 && allowed === true) {
    decision = 'allow';
  } else if (possible.length === 0 && allowed === false) {
    decision = 'implicit-deny';
    missingAllow = lacks.filter((entry) => entry.lack === true).map((entry) => missingAllowOf(entry.layer));
  } else {
    decision = 'inconclusive';
    deniedBy = possible.map((entry) => entry.deniedBy);
    missingAllow = lacks.filter((entry) => entry.lack !== false).map((entry) => missingAllowOf(entry.layer));
    const allowVerdicts =
      allowed === 'unresolved'
        ? judgedOf([...scpLevels, endpoint, ownPolicy, identity.policies, identity.boundary, identity.session]).flatMap((policy) =>
            policy.verdicts.filter((verdict) => verdict.effect === 'Allow'),
          )
        : [];
    unresolvedKeys = unresolvedKeysOf([...possible.map((entry) => entry.verdict), ...allowVerdicts]);
  }
  return {
    decision,
    deniedBy,
    missingAllow,
    unresolvedKeys,
    missingPolicies: [...new Set(missing)],
  };
}

// ---------------------------------------------------------------- layers

type Judge = (
  document: PolicyDocument,
  policyType: PolicyType,
  names: { arn: string | null; name: string | null; target: string | null },
) => JudgedPolicy;

/**
 * The targets from the root to the account; none for an account the store says is outside the organization (null);
 * null when the store cannot place the account (no organization, or the account not listed: then named missing).
 */
function organizationPath(
  store: PolicyStore,
  accountId: string,
  kind: 'service' | 'resource',
  missing: string[],
): readonly string[] | null {
  const accounts = store.organization?.accounts;
  if (accounts === undefined) {
    const policies = kind === 'service' ? 'service control policies' : 'resource control policies';
    missing.push(
      store.organization === undefined
        ? `${policies} of account ${accountId} (the store has no organization)`
        : `organization path of account ${accountId}`,
    );
    return null;
  }
  const path = accounts.get(accountId);
  if (path === undefined) {
    missing.push(`organization path of account ${accountId}`);
    return null;
  }
  return path === null ? [] : [...path, accountId];
}

function organizationLayer(
  policyType: 'service-control-policy' | 'resource-control-policy',
  target: string,
  attached: readonly OrganizationPolicy[] | undefined,
  judge: Judge,
): Layer {
  if (attached === undefined) return { policyType, target, policies: null, labels: [] };
  return {
    policyType,
    target,
    policies: attached.map((policy) => judge(policy.document, policyType, { arn: policy.arn, name: policy.name ?? policy.id, target })),
    labels: attached.map(policyLabel),
  };
}

/**
 * A layer allows when one of its Allow statements applies; a layer the store does not hold counts as allowing.
 * RCP levels always allow (RCPFullAWSAccess), so only their denies are read.
 */
function layerAllows(layer: Layer): Tri {
  if (layer.policies === null || layer.policyType === 'resource-control-policy') return true;
  return allowedBy(layer.policies);
}

/** Whether one Allow statement of the policies applies (an unresolved one makes it unresolved). */
function allowedBy(policies: readonly JudgedPolicy[]): Tri {
  let allowed: Tri = false;
  for (const policy of policies) {
    for (const verdict of policy.verdicts) {
      if (verdict.effect !== 'Allow' || verdict.applies === false) continue;
      if (verdict.applies === true) return true;
      allowed = 'unresolved';
    }
  }
  return allowed;
}

/** The judged policies of layers (and single policies), in order. */
function judgedOf(parts: ReadonlyArray<Layer | JudgedPolicy | null>): JudgedPolicy[] {
  const policies: JudgedPolicy[] = [];
  for (const part of parts) {
    if (part === null) continue;
    if ('verdicts' in part) policies.push(part);
    else for (const policy of part.policies ?? []) policies.push(policy);
  }
  return policies;
}

/** An endpoint without a custom policy has this default, full-access policy (PrivateLink "endpoint policies"). */
const DEFAULT_ENDPOINT_POLICY = parsePolicyDocument(
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] },
  { principalElement: 'required' },
);

interface IdentityLayers {
  /** The identity policies of the principal and its groups; `policies` null when not all are known. */
  readonly policies: Layer;
  /** Whether an identity policy allows: true also when part of them is unknown (it may hold the allow). */
  readonly allows: Tri;
  readonly boundary: Layer | null;
  readonly session: Layer | null;
}

function identityLayers(
  request: RequestContext,
  store: PolicyStore,
  missing: string[],
  judge: (policy: StoredPolicy, type: PolicyType) => JudgedPolicy,
  reads: SessionReads,
): IdentityLayers {
  const principal = request.principal;
  const none: Layer = { policyType: 'identity-policy', target: null, policies: [], labels: [] };
  // The root user has full access within its account, and has no identity policies, boundary or session policy.
  if (principal.type === 'root') return { policies: none, allows: true, boundary: null, session: null };
  // A service principal has no identity policies here: the resource's policy must name it.
  if (principal.type === 'aws-service') return { policies: none, allows: false, boundary: null, session: null };

  const found = findPrincipal(store, principal.arn);
  // Without the caller's ARN, the session's names the caller in what is missing.
  if (principal.arn === null && principal.sessionArn !== null) reads.session = true;
  const who =
    principal.arn ??
    (principal.sessionArn !== null
      ? `the IAM user behind ${principal.sessionArn}`
      : `the caller in account ${principal.accountId ?? 'unknown'}`);
  const judged: JudgedPolicy[] = [];
  const labels: string[] = [];
  let complete = true;
  const take = (policies: readonly StoredPolicy[] | undefined, description: string): void => {
    if (policies === undefined) {
      complete = false;
      missing.push(description);
      return;
    }
    for (const policy of policies) {
      judged.push(judge(policy, 'identity-policy'));
      labels.push(policyLabel(policy));
    }
  };
  take(found?.entry.policies, `identity policies of ${who}`);
  if (principal.type === 'iam-user' && found !== undefined) {
    // A user's groups' policies are identity policies too.
    if (found.entry.groups === undefined) {
      complete = false;
      missing.push(`groups of ${who}`);
    }
    for (const group of found.entry.groups ?? []) take(group.policies, `policies of group ${group.name}`);
  }
  const policiesLayer: Layer = { policyType: 'identity-policy', target: null, policies: judged, labels };
  const allows = complete ? allowedBy(judged) : true;

  let boundary: Layer | null = null;
  const storedBoundary = found?.entry.permissionsBoundary;
  if (storedBoundary === undefined) missing.push(`permissions boundary of ${who}`);
  if (storedBoundary)
    boundary = {
      policyType: 'permissions-boundary',
      target: null,
      policies: [judge(storedBoundary, 'permissions-boundary')],
      labels: [policyLabel(storedBoundary)],
    };

  let session: Layer | null = null;
  if (principal.sessionArn !== null && (principal.type === 'assumed-role' || principal.type === 'federated-user')) {
    const stored = store.sessions.get(principal.sessionArn);
    if (stored !== undefined) reads.session = true;
    if (stored?.policies === undefined) {
      missing.push(sessionLineOf(principal.sessionArn));
    } else if (stored.policies.length > 0) {
      session = {
        policyType: 'session-policy',
        target: null,
        policies: stored.policies.map((policy) => judge(policy, 'session-policy')),
        labels: stored.policies.map(policyLabel),
      };
    } else if (principal.type === 'federated-user') {
      // A federated-user session without a session policy has no permissions ("Policy evaluation logic").
      session = { policyType: 'session-policy', target: null, policies: [], labels: [] };
    }
  }
  return { policies: policiesLayer, allows, boundary, session };
}

// ---------------------------------------------------------------- resource-side grants

interface Grants {
  /** Statements naming the session, the user or the federated user: not limited by implicit denies of the caller's side. */
  readonly direct: Tri;
  /** Statements naming the role, everyone, the service, or through NotPrincipal: limited by boundary and session policy. */
  readonly entity: Tri;
  /** Statements naming the account: they delegate to the account's IAM policies. */
  readonly delegated: Tri;
}

function grantsOf(policy: JudgedPolicy | null, principalType: RequestContext['principal']['type']): Grants {
  const buckets: Record<keyof Grants, Tri[]> = { direct: [], entity: [], delegated: [] };
  for (const verdict of policy?.verdicts ?? []) {
    if (verdict.effect !== 'Allow' || verdict.applies === false || verdict.principalMatch === null) continue;
    buckets[grantKindOf(verdict.principalMatch, principalType)].push(verdict.applies);
  }
  return { direct: anyOf(buckets.direct), entity: anyOf(buckets.entity), delegated: anyOf(buckets.delegated) };
}

function grantKindOf(
  match: NonNullable<StatementVerdict['principalMatch']>,
  principalType: RequestContext['principal']['type'],
): keyof Grants {
  switch (match) {
    case 'session':
    case 'federated-user':
      return 'direct';
    case 'user':
      // The IAM user itself is granted directly; the user behind a federated-user session is not ("Policy evaluation logic").
      return principalType === 'federated-user' ? 'entity' : 'direct';
    case 'account':
      return 'delegated';
    default:
      return 'entity';
  }
}

/**
 * Whether a KMS grant lets the caller make this call: the grantee is the caller (its role, session or user ARN), the
 * operation is granted, and the encryption context meets the constraints (KMS "Grant constraints").
 */
function grantCovers(grant: KeyGrant, request: RequestContext): Tri {
  const principal = request.principal;
  const grantee = grant.granteePrincipal;
  if (grantee !== principal.arn && grantee !== principal.sessionArn) return false;
  const operation = request.action.slice(request.action.indexOf(':') + 1).toLowerCase();
  if (!request.action.toLowerCase().startsWith('kms:') || !grant.operations.some((granted) => granted.toLowerCase() === operation))
    return false;
  if (grant.constraints === null) return true;
  const context = encryptionContextOf(request);
  if (context === null) return 'unresolved';
  const { encryptionContextEquals: equals, encryptionContextSubset: subset } = grant.constraints;
  if (equals !== undefined) {
    const names = Object.keys(equals);
    if (names.length !== context.size || names.some((name) => context.get(name) !== equals[name])) return false;
  }
  if (subset !== undefined && Object.keys(subset).some((name) => context.get(name) !== subset[name])) return false;
  return true;
}

/** The request's encryption context, or null when unresolved. */
function encryptionContextOf(request: RequestContext): Map<string, string> | null {
  const names = request.keys.get('kms:encryptioncontextkeys');
  if (names?.kind !== 'present') return null;
  const context = new Map<string, string>();
  for (const name of names.values) {
    const value = request.keys.get(`kms:encryptioncontext:${name}`);
    if (value?.kind !== 'present') return null;
    context.set(name, value.values[0]);
  }
  return context;
}

// ---------------------------------------------------------------- the contract's entries

function deniedByOf(policy: JudgedPolicy, verdict: StatementVerdict): { deniedBy: DeniedBy; applies: Tri; verdict: StatementVerdict } {
  return {
    applies: verdict.applies,
    verdict,
    deniedBy: {
      policyType: policy.policyType,
      policyArn: policy.policyArn,
      policyName: policy.policyName,
      target: policy.target,
      sid: verdict.sid,
      statementIndex: verdict.statementIndex,
      statement: verdict.statement,
      conditions: verdict.conditions,
    },
  };
}

function missingAllowOf(layer: Layer): MissingAllow {
  return { policyType: layer.policyType, target: layer.target, policies: layer.labels };
}

function unresolvedKeysOf(verdicts: readonly StatementVerdict[]): string[] {
  const keys = new Set<string>();
  for (const verdict of verdicts) {
    if (verdict.applies !== 'unresolved') continue;
    for (const condition of verdict.conditions) if (condition.result === 'unresolved') keys.add(condition.key);
  }
  return [...keys];
}

function presentValue(request: RequestContext, key: string): string | null {
  const value = request.keys.get(key.toLowerCase());
  return value?.kind === 'present' && value.values.length > 0 ? value.values[0] : null;
}

/**
 * Does the evaluation name what the message names: the same policy type (KMS's "resource-based policy" is the key
 * policy), the same kind of denial, and the same policy when the message gives its ARN? Null when the message names
 * no policy type.
 */
function agreement(
  decision: Evaluation['decision'],
  deniedBy: readonly DeniedBy[],
  missingAllow: readonly MissingAllow[],
  message: MessageClaim | undefined,
): boolean | null {
  if (message === undefined || message.policyType === null) return null;
  const sameType = (type: PolicyType): boolean =>
    type === message.policyType || (message.policyType === 'resource-policy' && type === 'key-policy');
  const explicit = message.denial !== 'implicit' && (decision === 'explicit-deny' || decision === 'inconclusive');
  const implicit = message.denial !== 'explicit' && (decision === 'implicit-deny' || decision === 'inconclusive');
  if (explicit && deniedBy.some((entry) => sameType(entry.policyType) && samePolicy(entry, message.policyArn))) return true;
  return implicit && missingAllow.some((entry) => sameType(entry.policyType));
}

/** The message's policy ARN names the statement's policy (an SCP/RCP by its p-… id, as ARNs of AWS managed ones vary). */
function samePolicy(entry: DeniedBy, messageArn: string | null): boolean {
  if (messageArn === null) return true;
  if (entry.policyArn === messageArn) return true;
  const id = /\/(p-[0-9a-zA-Z_]+)$/.exec(messageArn)?.[1];
  return id !== undefined && entry.policyArn !== null && entry.policyArn.endsWith(`/${id}`);
}
