import { parsePolicyDocument, type PolicyDocument } from './document';
import type { PolicyStoreFile, StoredOrganizationPolicy as OrganizationPolicyOfFile, StoredPolicy as PolicyOfFile } from './store-fragment';

/**
 * The policy store `denyscope-policies/1`: the policies of an account or organization, keyed by ARN or id as AWS
 * names things, so that one store serves every event. The store as the evaluator reads it, and reading a file already
 * validated (store.ts validates, with zod; this module carries no zod, so a scan worker starts without it).
 *
 * Absent means unknown, empty means none: a principal, a policy list, a boundary, tags, a resource, a key, an endpoint or
 * an organization level the store does not hold is `undefined` here (the evaluator treats it as not denying, and names
 * it in missingPolicies); `[]`, `null` and `{}` are known-none and are kept as such.
 */

/** A policy as the store holds it: managed policies have an ARN, inline ones only a name. */
export interface StoredPolicy {
  readonly name: string | null;
  readonly arn: string | null;
  readonly document: PolicyDocument;
}

/** An SCP or RCP: Organizations names policies by id (p-…) as well. */
export interface OrganizationPolicy extends StoredPolicy {
  readonly id: string | null;
}

export interface GroupEntry {
  readonly name: string;
  readonly arn: string | null;
  readonly policies: readonly StoredPolicy[] | undefined;
}

export interface PrincipalEntry {
  /** Identity policies attached to the user or role (managed and inline). */
  readonly policies: readonly StoredPolicy[] | undefined;
  /** null: the principal has no permissions boundary. */
  readonly permissionsBoundary: StoredPolicy | null | undefined;
  readonly tags: ReadonlyMap<string, string> | undefined;
  /** IAM users only: the groups the user belongs to. */
  readonly groups: readonly GroupEntry[] | undefined;
}

export interface SessionEntry {
  /** The session policies passed when the session was created; [] when none was passed. */
  readonly policies: readonly StoredPolicy[] | undefined;
  /** Session tags (they override the role's tags of the same key); undefined when not known. */
  readonly tags: ReadonlyMap<string, string> | undefined;
}

export interface ResourceEntry {
  /** The resource-based policy; null: the resource has none. */
  readonly policy: PolicyDocument | null | undefined;
  /** The KMS key that encrypts the resource; null: an AWS owned key (no key policy of the customer applies). */
  readonly kmsKeyArn: string | null | undefined;
  readonly tags: ReadonlyMap<string, string> | undefined;
  /** DynamoDB tables: the key attribute names, partition key first. */
  readonly keySchema: readonly string[] | undefined;
}

/** A KMS grant, as ListGrants returns it (operations without the kms: prefix). */
export interface KeyGrant {
  readonly granteePrincipal: string;
  readonly operations: readonly string[];
  readonly constraints: {
    readonly encryptionContextSubset: Readonly<Record<string, string>> | undefined;
    readonly encryptionContextEquals: Readonly<Record<string, string>> | undefined;
  } | null;
  readonly grantId: string | null;
  readonly name: string | null;
}

export interface KeyEntry {
  readonly policy: PolicyDocument | null | undefined;
  readonly state: string | undefined;
  readonly grants: readonly KeyGrant[] | undefined;
}

export interface VpcEndpointEntry {
  /** null: the endpoint has no custom policy, so AWS's default full-access policy applies. */
  readonly policy: PolicyDocument | null | undefined;
}

export interface OrganizationEntry {
  readonly id: string | undefined;
  /**
   * The organization's management account. SCPs do not restrict its principals and RCPs do not restrict its resources;
   * when it is not given, every account listed in `accounts` is treated as a member account.
   */
  readonly managementAccountId: string | undefined;
  /**
   * Accounts with their path from the root to their parent OU (the account itself is the last level); null: the
   * account is not a member. An account not in the map (or no map) is unknown: named missing, its keys unresolved.
   */
  readonly accounts: ReadonlyMap<string, readonly string[] | null> | undefined;
  /** Target (root, OU or account id) → the SCPs attached there; a target not in the map is unknown. */
  readonly serviceControlPolicies: ReadonlyMap<string, readonly OrganizationPolicy[]>;
  readonly resourceControlPolicies: ReadonlyMap<string, readonly OrganizationPolicy[]>;
}

export interface PolicyStore {
  readonly capturedAt: string | null;
  readonly principals: ReadonlyMap<string, PrincipalEntry>;
  readonly sessions: ReadonlyMap<string, SessionEntry>;
  readonly resources: ReadonlyMap<string, ResourceEntry>;
  readonly keys: ReadonlyMap<string, KeyEntry>;
  readonly vpcEndpoints: ReadonlyMap<string, VpcEndpointEntry>;
  readonly organization: OrganizationEntry | undefined;
}

/**
 * A store whose text parsePolicyStore has already accepted (a scan worker gets the text the main thread checked): read
 * again without checking it, and each document compiled only when an evaluation first reads it. Documents of the same
 * text (an SCP attached at several levels, one boundary on many roles) are compiled once and shared, so what the
 * evaluator keeps per document serves them all.
 */
export function parseValidatedPolicyStore(text: string): PolicyStore {
  return storeOfValidatedFile(JSON.parse(withoutBom(text)) as PolicyStoreFile);
}

/** The store of a file the schema has accepted, its documents compiled when first read and shared by text. */
export function storeOfValidatedFile(file: PolicyStoreFile): PolicyStore {
  const byText = new Map<string, PolicyDocument>();
  const documentOf = (document: unknown): PolicyDocument => {
    const key = typeof document === 'string' ? document : JSON.stringify(document);
    let shared = byText.get(key);
    if (shared === undefined) byText.set(key, (shared = lazyDocument(document)));
    return shared;
  };
  return toStore(file, documentOf);
}

/** A policy document compiled on first use. Its options only add checks, which the document has already passed. */
function lazyDocument(document: unknown): PolicyDocument {
  let compiled: PolicyDocument | undefined;
  const compile = (): PolicyDocument => (compiled ??= parsePolicyDocument(document));
  return {
    get version() {
      return compile().version;
    },
    get statements() {
      return compile().statements;
    },
  };
}

export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function toStore(input: PolicyStoreFile, documentOf: (document: unknown) => PolicyDocument): PolicyStore {
  const storedPolicy = (policy: PolicyOfFile): StoredPolicy => ({
    name: policy.name ?? null,
    arn: policy.arn ?? null,
    document: documentOf(policy.document),
  });
  const organizationPolicyOf = (policy: OrganizationPolicyOfFile): OrganizationPolicy => ({
    id: policy.id ?? null,
    name: policy.name ?? null,
    arn: policy.arn ?? null,
    document: documentOf(policy.document),
  });
  /** A resource-side policy: null (none) and undefined (unknown) kept as they are. */
  const optionalDocument = (document: unknown): PolicyDocument | null | undefined =>
    document === undefined || document === null ? document : documentOf(document);
  return {
    capturedAt: input.capturedAt ?? null,
    principals: mapOf(input.principals, (entry) => ({
      policies: entry.policies?.map(storedPolicy),
      permissionsBoundary:
        entry.permissionsBoundary === undefined
          ? undefined
          : entry.permissionsBoundary === null
            ? null
            : storedPolicy(entry.permissionsBoundary),
      tags: entry.tags === undefined ? undefined : mapOf(entry.tags, (value) => value),
      groups: entry.groups?.map((group) => ({ name: group.name, arn: group.arn ?? null, policies: group.policies?.map(storedPolicy) })),
    })),
    sessions: mapOf(input.sessions, (entry) => ({
      policies: entry.policies?.map(storedPolicy),
      tags: entry.tags === undefined ? undefined : mapOf(entry.tags, (value) => value),
    })),
    resources: mapOf(input.resources, (entry) => ({
      policy: optionalDocument(entry.policy),
      kmsKeyArn: entry.kmsKeyArn,
      tags: entry.tags === undefined ? undefined : mapOf(entry.tags, (value) => value),
      keySchema: entry.keySchema,
    })),
    keys: mapOf(input.keys, (entry) => ({
      policy: optionalDocument(entry.policy),
      state: entry.state,
      grants: entry.grants?.map((grant) => ({
        granteePrincipal: grant.granteePrincipal,
        operations: grant.operations,
        constraints:
          grant.constraints === undefined || grant.constraints === null
            ? null
            : {
                encryptionContextSubset: grant.constraints.encryptionContextSubset,
                encryptionContextEquals: grant.constraints.encryptionContextEquals,
              },
        grantId: grant.grantId ?? null,
        name: grant.name ?? null,
      })),
    })),
    vpcEndpoints: mapOf(input.vpcEndpoints, (entry) => ({ policy: optionalDocument(entry.policy) })),
    organization:
      input.organization === undefined
        ? undefined
        : {
            id: input.organization.id,
            managementAccountId: input.organization.managementAccountId,
            accounts: input.organization.accounts === undefined ? undefined : mapOf(input.organization.accounts, (path) => path),
            serviceControlPolicies: mapOf(input.organization.serviceControlPolicies, (list) => list.map(organizationPolicyOf)),
            resourceControlPolicies: mapOf(input.organization.resourceControlPolicies, (list) => list.map(organizationPolicyOf)),
          },
  };
}

// Maps, not objects: keys come from the file and lookups from events, and "constructor" must be a key like any other.
// A "__proto__" key is left out, as the store's validator (zod) leaves it out of what it accepts: every thread of a
// scan, validating or not, then reads the same store.
function mapOf<T, U>(record: Record<string, T> | undefined, convert: (value: T) => U): Map<string, U> {
  const map = new Map<string, U>();
  if (record === undefined) return map;
  for (const key of Object.keys(record)) if (key !== '__proto__') map.set(key, convert(record[key]));
  return map;
}
