/**
 * The `denyscope-policies/1` store file, zod-free: what `policies capture` writes, what the fetched-evidence adapters
 * return for one event, and exactly what the store parser (store.ts) accepts: store.ts checks at compile time that
 * its schema's input is this type, so the two cannot drift. Absent means unknown, an explicit empty value means none;
 * so a writer writes a part only when it read it completely. Optional members (a policy's name, a grant's id) are
 * optional because a hand-written store may leave them out; the adapters always write them.
 */

export const STORE_FORMAT = 'denyscope-policies/1';

/** A policy document: the parsed JSON, or its text (plain or URL-encoded JSON; the parser reports anything else). */
export type StoredDocument = Record<string, unknown> | string;

/** An identity, boundary or session policy: a managed policy has an ARN, an inline one only a name (at least one of the two). */
export interface StoredPolicy {
  readonly name?: string | null;
  /** The managed policy's ARN; null for an inline policy. */
  readonly arn?: string | null;
  readonly document: StoredDocument;
}

export interface StoredGroup {
  readonly name: string;
  readonly arn?: string | null;
  readonly policies?: readonly StoredPolicy[];
}

export interface StoredPrincipal {
  readonly policies?: readonly StoredPolicy[];
  /** null: the principal has no permissions boundary. */
  readonly permissionsBoundary?: StoredPolicy | null;
  readonly tags?: Readonly<Record<string, string>>;
  /** IAM users only: each group with its inline and attached policies. */
  readonly groups?: readonly StoredGroup[];
}

export interface StoredSession {
  /** The session policies passed when the session was created; [] when none was. */
  readonly policies?: readonly StoredPolicy[];
  /** Session tags (they override the role's tags of the same key). */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface StoredResource {
  /** The resource-based policy; null when the resource has none. */
  readonly policy?: StoredDocument | null;
  /** The table's customer managed or AWS managed key; null when the table uses an AWS owned key. */
  readonly kmsKeyArn?: string | null;
  readonly tags?: Readonly<Record<string, string>>;
  /** Key attribute names, partition key first. */
  readonly keySchema?: readonly string[];
}

export interface StoredGrant {
  readonly granteePrincipal: string;
  /** As ListGrants names them, without the kms: prefix. */
  readonly operations: readonly string[];
  readonly constraints?: {
    readonly encryptionContextSubset?: Readonly<Record<string, string>>;
    readonly encryptionContextEquals?: Readonly<Record<string, string>>;
  } | null;
  readonly grantId?: string | null;
  readonly name?: string | null;
  readonly retiringPrincipal?: string | null;
}

export interface StoredKey {
  readonly policy?: StoredDocument | null;
  readonly state?: string;
  readonly grants?: readonly StoredGrant[];
}

export interface StoredVpcEndpoint {
  /** null: no custom policy, so AWS's default full-access policy applies. */
  readonly policy?: StoredDocument | null;
}

/** An SCP or RCP: Organizations names policies by id (p-…) as well (at least one of id, name, arn). */
export interface StoredOrganizationPolicy {
  readonly id?: string | null;
  readonly name?: string | null;
  readonly arn?: string | null;
  readonly document: StoredDocument;
}

export interface StoredOrganization {
  readonly id?: string;
  /** SCPs do not restrict the management account's principals, nor RCPs its resources. */
  readonly managementAccountId?: string;
  /**
   * Account id → its path from the root to its parent OU (the account itself is the last level); null: the account is
   * known not to be in the organization. An account not listed is unknown (absent means unknown, as everywhere).
   */
  readonly accounts?: Readonly<Record<string, readonly string[] | null>>;
  /** target (root, OU or account id) → the policies attached there. */
  readonly serviceControlPolicies?: Readonly<Record<string, readonly StoredOrganizationPolicy[]>>;
  readonly resourceControlPolicies?: Readonly<Record<string, readonly StoredOrganizationPolicy[]>>;
}

export interface PolicyStoreFile {
  readonly format: typeof STORE_FORMAT;
  /** ISO 8601 date-time of the capture; the writers always set it. */
  readonly capturedAt?: string | null;
  readonly principals?: Readonly<Record<string, StoredPrincipal>>;
  readonly sessions?: Readonly<Record<string, StoredSession>>;
  readonly resources?: Readonly<Record<string, StoredResource>>;
  readonly keys?: Readonly<Record<string, StoredKey>>;
  readonly vpcEndpoints?: Readonly<Record<string, StoredVpcEndpoint>>;
  readonly organization?: StoredOrganization;
}

type MutableParts = {
  -readonly [K in 'principals' | 'sessions' | 'resources' | 'keys' | 'vpcEndpoints']-?: Record<
    string,
    NonNullable<PolicyStoreFile[K]>[string]
  >;
};

/**
 * One store from several fragments (e.g. one per event). For the same principal, resource, key or endpoint the parts
 * of each fragment are combined, a later fragment's part replacing an earlier one's; capturedAt is the earliest.
 */
export function mergeStoreFiles(fragments: readonly PolicyStoreFile[]): PolicyStoreFile {
  const parts: MutableParts = { principals: {}, sessions: {}, resources: {}, keys: {}, vpcEndpoints: {} };
  let organization: StoredOrganization | undefined;
  let capturedAt: string | undefined;
  for (const fragment of fragments) {
    const at = fragment.capturedAt ?? undefined;
    if (at !== undefined && (capturedAt === undefined || at < capturedAt)) capturedAt = at;
    mergeEntries(parts.principals, fragment.principals);
    mergeEntries(parts.sessions, fragment.sessions);
    mergeEntries(parts.resources, fragment.resources);
    mergeEntries(parts.keys, fragment.keys);
    mergeEntries(parts.vpcEndpoints, fragment.vpcEndpoints);
    if (fragment.organization) organization = mergeOrganizations(organization, fragment.organization);
  }
  return withoutEmptyParts({ format: STORE_FORMAT, capturedAt: capturedAt ?? new Date(0).toISOString(), ...parts, organization });
}

function mergeEntries<T extends object>(into: Record<string, T>, from: Readonly<Record<string, T>> | undefined): void {
  if (!from) return;
  for (const [key, value] of Object.entries(from)) into[key] = { ...into[key], ...value };
}

function mergeOrganizations(a: StoredOrganization | undefined, b: StoredOrganization): StoredOrganization {
  if (!a) return b;
  return {
    id: b.id ?? a.id,
    managementAccountId: b.managementAccountId ?? a.managementAccountId,
    accounts: { ...a.accounts, ...b.accounts },
    serviceControlPolicies: { ...a.serviceControlPolicies, ...b.serviceControlPolicies },
    resourceControlPolicies: { ...a.resourceControlPolicies, ...b.resourceControlPolicies },
  };
}

/** Drops parts that hold nothing, so a store says only what was captured (an absent part is unknown). */
export function withoutEmptyParts(store: PolicyStoreFile): PolicyStoreFile {
  const result: Record<string, unknown> = { format: store.format, capturedAt: store.capturedAt };
  for (const key of ['principals', 'sessions', 'resources', 'keys', 'vpcEndpoints'] as const) {
    const part = store[key];
    if (part && Object.keys(part).length > 0) result[key] = part;
  }
  const organization = store.organization;
  if (organization) {
    const kept = Object.fromEntries(
      Object.entries(organization).filter(
        ([, value]) => value !== undefined && (typeof value !== 'object' || Object.keys(value).length > 0),
      ),
    );
    if (Object.keys(kept).length > 0) result.organization = kept;
  }
  return result as unknown as PolicyStoreFile;
}
