/**
 * The Principal and NotPrincipal elements of resource-based policies (resource, key, VPC endpoint, trust policies
 * and RCPs) against the caller.
 *
 * IAM UG, "AWS JSON policy elements: Principal":
 * - "*" and {"AWS": "*"} are equivalent: all principals.
 * - an account id or arn:aws:iam::ACCOUNT:root "delegates authority to the account ... Using the account ARN in the
 *   Principal element does not limit permissions to only the root user of the account": every principal of it.
 * - role, assumed-role session, user and federated-user ARNs name that one principal; "You cannot use a wildcard to
 *   match part of a principal name or ARN."
 * - "Service" names AWS service principals. "Federated" names an identity provider, which only a role trust policy
 *   judging AssumeRoleWithSAML/WebIdentity sees; the calls judged here come from AWS principals, so it names none of
 *   them. "CanonicalUser" (S3 only) is not an identity this evaluator knows: it names none either.
 * - Entries that are not one of those (e.g. the unique id left by a deleted role) name nobody.
 * IAM UG, "AWS JSON policy elements: NotPrincipal": "AWS might validate the account first, then the role, and then the
 * assumed-role user", so a caller is spared by NotPrincipal only when every identity of its chain (account, role,
 * session; account, user) is listed.
 */
import { parseArn } from '../diagnosis/arn';
import { anyOf } from './conditions';
import type { PrincipalMatch, RequestPrincipal, Tri } from './types';

export type PrincipalEntry =
  | { readonly kind: 'everyone' }
  | { readonly kind: 'account'; readonly account: string }
  | { readonly kind: 'role' | 'user'; readonly account: string; readonly name: string }
  | { readonly kind: 'session' | 'federated-user'; readonly account: string; readonly arn: string }
  | { readonly kind: 'service'; readonly service: string }
  | { readonly kind: 'nobody' };

export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser';
export const PRINCIPAL_TYPES: readonly PrincipalType[] = ['AWS', 'Service', 'Federated', 'CanonicalUser'];

/** One identity of the caller, as an entry would name it. */
type Identity = Exclude<PrincipalEntry, { kind: 'everyone' | 'nobody' }>;

export function principalEntry(type: PrincipalType, value: string): PrincipalEntry {
  if (value === '*' && type === 'AWS') return { kind: 'everyone' };
  if (type === 'Service') return { kind: 'service', service: value.toLowerCase() };
  if (type !== 'AWS') return { kind: 'nobody' };
  if (/^\d{12}$/.test(value)) return { kind: 'account', account: value };
  return arnIdentity(value) ?? { kind: 'nobody' };
}

/** The identity an IAM or STS ARN names, or null. Roles and users are compared by account and name (paths aside). */
function arnIdentity(value: string): Identity | null {
  const arn = parseArn(value);
  if (!arn || arn.account === '') return null;
  const { account, resource } = arn;
  if (arn.service === 'iam') {
    if (resource === 'root') return { kind: 'account', account };
    const kind = resource.slice(0, resource.indexOf('/') + 1);
    const name = resource.slice(resource.lastIndexOf('/') + 1);
    if ((kind === 'role/' || kind === 'user/') && name !== '') return { kind: kind === 'role/' ? 'role' : 'user', account, name };
  }
  if (arn.service === 'sts') {
    if (/^assumed-role\/[^/]+\/.+/.test(resource)) return { kind: 'session', account, arn: value };
    if (/^federated-user\/.+/.test(resource)) return { kind: 'federated-user', account, arn: value };
  }
  return null;
}

type IdentityKind = Identity['kind'];

interface CallerIdentities {
  readonly identities: readonly Identity[];
  /** The kinds of identity the caller has but the request does not show; 'any' when even its type is unknown. */
  readonly unknown: ReadonlySet<IdentityKind> | 'any';
}

// One request's principal is matched against many statements: its identities are worked out once.
const CALLER_IDENTITIES = new WeakMap<RequestPrincipal, CallerIdentities>();

/** The identities AWS may judge for a caller, and which of them are not known. */
function callerIdentities(principal: RequestPrincipal): CallerIdentities {
  let caller = CALLER_IDENTITIES.get(principal);
  if (caller === undefined) CALLER_IDENTITIES.set(principal, (caller = identitiesOf(principal)));
  return caller;
}

function identitiesOf(principal: RequestPrincipal): CallerIdentities {
  const identities: Identity[] = [];
  const unknown = new Set<IdentityKind>();
  const add = (kind: IdentityKind, identity: Identity | null) => {
    if (identity?.kind === kind) identities.push(identity);
    else unknown.add(kind);
  };
  const account: Identity | null = principal.accountId ? { kind: 'account', account: principal.accountId } : null;
  const own = principal.arn ? arnIdentity(principal.arn) : null;
  switch (principal.type) {
    case 'assumed-role':
      add('account', account);
      add('role', own);
      add('session', sessionIdentityOf(principal));
      break;
    case 'iam-user':
      add('account', account);
      add('user', own);
      break;
    case 'federated-user':
      add('account', account);
      add('federated-user', own);
      break;
    case 'root':
      add('account', account);
      break;
    case 'aws-service':
      add('service', principal.arn ? { kind: 'service', service: principal.arn.toLowerCase() } : null);
      break;
    case 'aws-account':
    case 'unknown':
      if (account) identities.push(account);
      return { identities, unknown: 'any' };
  }
  return { identities, unknown };
}

/** The session a role's caller acts in, as an entry would name it; null for other callers or a session ARN that names none. */
function sessionIdentityOf(principal: RequestPrincipal): Identity | null {
  if (principal.type !== 'assumed-role' || !principal.sessionArn) return null;
  const identity = arnIdentity(principal.sessionArn);
  return identity?.kind === 'session' ? identity : null;
}

function covers(entry: PrincipalEntry, identity: Identity): boolean {
  switch (entry.kind) {
    case 'everyone':
      return true;
    case 'nobody':
      return false;
    case 'account':
      return identity.kind === 'account' && identity.account === entry.account;
    case 'role':
    case 'user':
      return identity.kind === entry.kind && identity.account === entry.account && identity.name === entry.name;
    case 'session':
    case 'federated-user':
      return identity.kind === entry.kind && identity.arn === entry.arn;
    case 'service':
      return identity.kind === 'service' && identity.service === entry.service;
  }
}

/** Whether an entry may name an identity of the caller that is not known: unless its kind or account rules it out. */
function mayNameUnknown(entry: PrincipalEntry, caller: CallerIdentities, principal: RequestPrincipal): Tri {
  if (entry.kind === 'everyone' || entry.kind === 'nobody') return false;
  if (caller.unknown !== 'any' && !caller.unknown.has(entry.kind)) return false;
  if ('account' in entry && principal.accountId !== null && entry.account !== principal.accountId) return false;
  return 'unresolved';
}

/**
 * What matching Principal/NotPrincipal entries reads of the caller, as text: two callers with the same text are matched
 * alike. Only an entry naming a session compares the session's ARN: without one (`sessions` false), the session counts
 * only by being a valid session ARN or not, so the sessions of one role share the text.
 */
export function callerMatchKey(principal: RequestPrincipal, sessions: boolean): string {
  const { type, arn, sessionArn, accountId } = principal;
  const session = sessions ? (sessionArn ?? '\u0001') : sessionIdentityOf(principal) !== null ? '\u0002' : '\u0001';
  return `${type}\u0000${arn ?? '\u0001'}\u0000${session}\u0000${accountId ?? '\u0001'}\u0003`;
}

/** Whether an entry names a session ARN: only then does matching tell one session of a role from another. */
export function namesSession(entries: readonly PrincipalEntry[]): boolean {
  return entries.some((entry) => entry.kind === 'session');
}

const SPECIFICITY: readonly PrincipalMatch[] = ['everyone', 'account', 'service', 'role', 'federated-user', 'user', 'session'];

export interface PrincipalVerdict {
  readonly applies: Tri;
  readonly match: PrincipalMatch | null;
}

/** Principal: the statement applies when some entry names the caller (any identity of it); the most specific wins. */
export function matchPrincipal(entries: readonly PrincipalEntry[], principal: RequestPrincipal): PrincipalVerdict {
  const caller = callerIdentities(principal);
  let best: PrincipalMatch | null = null;
  const results = entries.map((entry): Tri => {
    if (entry.kind === 'nobody') return false;
    const named = entry.kind === 'everyone' || caller.identities.some((identity) => covers(entry, identity));
    if (!named) return mayNameUnknown(entry, caller, principal);
    if (best === null || SPECIFICITY.indexOf(entry.kind) > SPECIFICITY.indexOf(best)) best = entry.kind;
    return true;
  });
  const applies = anyOf(results);
  return { applies, match: applies === true ? best : null };
}

/** NotPrincipal: the statement applies unless every identity of the caller's chain is listed. */
export function matchNotPrincipal(entries: readonly PrincipalEntry[], principal: RequestPrincipal): PrincipalVerdict {
  const caller = callerIdentities(principal);
  const everyoneListed = entries.some((entry) => entry.kind === 'everyone');
  const unlisted = caller.identities.some((identity) => !entries.some((entry) => covers(entry, identity)));
  const complete = caller.unknown !== 'any' && caller.unknown.size === 0;
  const applies: Tri = unlisted ? true : complete || everyoneListed ? false : 'unresolved';
  return { applies, match: applies === true ? 'not-principal' : null };
}
