import { z } from 'zod';
import { parsePolicyDocument, PolicyFormatError, type PolicyDocument, type PrincipalElement } from './document';
import { STORE_FORMAT, type PolicyStoreFile, type StoredDocument } from './store-fragment';

/**
 * The policy store `denyscope-policies/1`: the policies of an account or organization, keyed by ARN or id as AWS
 * names things, so that one store serves every event. Pure parsing and validation: the CLI reads the file.
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

/** The store is malformed: `path` is where inside it ("principals.arn:….policies[1].document"), `message` what is wrong. */
export class PolicyStoreError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(path === '' ? problem : `${path}: ${problem}`);
    this.name = 'PolicyStoreError';
  }
}

// ---- the schema: strict objects, so a misspelt field is an error rather than a silently unknown part ----

/**
 * A policy document, object or JSON text; resource-based policies (resource, key, endpoint) and RCPs must name
 * principals, identity policies, boundaries, session policies and SCPs must not.
 */
const documentOf = (principalElement: PrincipalElement) =>
  // Any value is let through to the document parser, which says what is wrong; the input type is the file's.
  z.custom<StoredDocument>().transform((value, context) => {
    try {
      return parsePolicyDocument(value, { principalElement });
    } catch (error) {
      if (!(error instanceof PolicyFormatError)) throw error;
      // "….document: Statement must be an object or an array": the store's path, then the document's own.
      context.addIssue({ code: 'custom', message: error.path === '' ? error.reason : `${error.path} ${error.reason}` });
      return z.NEVER;
    }
  });
const identityDocument = documentOf('forbidden');
const resourceDocument = documentOf('required');

const nonEmpty = z.string().min(1, 'must be a non-empty string');
const tags = z.record(z.string(), z.string());
const policy = z
  .strictObject({ name: nonEmpty.nullable().optional(), arn: nonEmpty.nullable().optional(), document: identityDocument })
  .refine((value) => (value.name ?? null) !== null || (value.arn ?? null) !== null, 'a policy needs a name or an arn');
const policies = z.array(policy);
const organizationPolicy = (document: typeof identityDocument) =>
  z
    .strictObject({
      id: nonEmpty.nullable().optional(),
      name: nonEmpty.nullable().optional(),
      arn: nonEmpty.nullable().optional(),
      document,
    })
    .refine((value) => (value.id ?? value.name ?? value.arn ?? null) !== null, 'a policy needs an id, a name or an arn');

const storeSchema = z.strictObject({
  format: z.literal(STORE_FORMAT, { error: `must be "${STORE_FORMAT}"` }),
  capturedAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).nullable().optional(),
  principals: z
    .record(
      nonEmpty,
      z.strictObject({
        policies: policies.optional(),
        permissionsBoundary: policy.nullable().optional(),
        tags: tags.optional(),
        groups: z.array(z.strictObject({ name: nonEmpty, arn: nonEmpty.nullable().optional(), policies: policies.optional() })).optional(),
      }),
    )
    .optional(),
  sessions: z.record(nonEmpty, z.strictObject({ policies: policies.optional(), tags: tags.optional() })).optional(),
  resources: z
    .record(
      nonEmpty,
      z.strictObject({
        policy: resourceDocument.nullable().optional(),
        kmsKeyArn: nonEmpty.nullable().optional(),
        tags: tags.optional(),
        keySchema: z.array(nonEmpty).min(1).max(2).optional(),
      }),
    )
    .optional(),
  keys: z
    .record(
      nonEmpty,
      z.strictObject({
        policy: resourceDocument.nullable().optional(),
        state: nonEmpty.optional(),
        grants: z
          .array(
            z.strictObject({
              granteePrincipal: nonEmpty,
              operations: z.array(nonEmpty),
              constraints: z
                .strictObject({ encryptionContextSubset: tags.optional(), encryptionContextEquals: tags.optional() })
                .nullable()
                .optional(),
              grantId: nonEmpty.nullable().optional(),
              name: z.string().nullable().optional(),
              retiringPrincipal: z.string().nullable().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
  vpcEndpoints: z.record(nonEmpty, z.strictObject({ policy: resourceDocument.nullable().optional() })).optional(),
  organization: z
    .strictObject({
      id: nonEmpty.optional(),
      managementAccountId: z
        .string()
        .regex(/^\d{12}$/, 'must be a 12-digit account id')
        .optional(),
      accounts: z.record(z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'), z.array(nonEmpty).nullable()).optional(),
      serviceControlPolicies: z.record(nonEmpty, z.array(organizationPolicy(identityDocument))).optional(),
      resourceControlPolicies: z.record(nonEmpty, z.array(organizationPolicy(resourceDocument))).optional(),
    })
    .optional(),
});

// One type for the store file: the schema accepts exactly PolicyStoreFile (store-fragment.ts, zod-free, which the
// writers use), checked here at compile time; readonly-ness aside, a field added to one and not the other fails the build.
type Writable<T> = T extends string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer Item)[]
    ? Writable<Item>[]
    : { -readonly [K in keyof T]: Writable<T[K]> };
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaAcceptsTheStoreFile: Same<Writable<z.input<typeof storeSchema>>, Writable<PolicyStoreFile>> = true;
void schemaAcceptsTheStoreFile;
/**
 * The store's shape with each policy document as read: compiled by the schema, or left as written when a text that
 * was already validated is read again (parseValidatedPolicyStore); toStore compiles or keeps it.
 */
type WithDocuments<T> = T extends PolicyDocument
  ? unknown
  : T extends ReadonlyArray<infer E>
    ? Array<WithDocuments<E>>
    : T extends object
      ? { [K in keyof T]: WithDocuments<T[K]> }
      : T;
type StoreInput = WithDocuments<z.output<typeof storeSchema>>;
type PolicyInput = WithDocuments<z.output<typeof policy>>;
type OrganizationPolicyInput = WithDocuments<z.output<ReturnType<typeof organizationPolicy>>>;
type DocumentOf = (document: unknown) => PolicyDocument;

/**
 * Parses a store given as its JSON text or as the parsed value. Throws PolicyStoreError naming the first problem and
 * where it is; never returns a half-read store.
 */
export function parsePolicyStore(input: string | unknown): PolicyStore {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(withoutBom(input));
    } catch (error) {
      throw new PolicyStoreError('', `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyStoreError('', `must be a JSON object with "format": "${STORE_FORMAT}"`);
  }
  const parsed = storeSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PolicyStoreError(formatPath(issue.path), describeIssue(issue));
  }
  // The schema's document transform compiled every document while checking it.
  return toStore(parsed.data, (document) => document as PolicyDocument);
}

/**
 * A store whose text parsePolicyStore has already accepted (a scan worker gets the text the main thread checked): read
 * again without checking it, and each document compiled only when an evaluation first reads it. Documents of the same
 * text (an SCP attached at several levels, one boundary on many roles) are compiled once and shared, so what the
 * evaluator keeps per document serves them all.
 */
export function parseValidatedPolicyStore(text: string): PolicyStore {
  const byText = new Map<string, PolicyDocument>();
  const documentOf = (document: unknown): PolicyDocument => {
    const key = typeof document === 'string' ? document : JSON.stringify(document);
    let shared = byText.get(key);
    if (shared === undefined) byText.set(key, (shared = lazyDocument(document)));
    return shared;
  };
  // Accepted by parsePolicyStore: the shape is the schema's, with the documents as written.
  return toStore(JSON.parse(withoutBom(text)) as StoreInput, documentOf);
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

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** principals.arn:aws:iam::111122223333:role/app.policies[1].document — keys as written (ARNs hold dots and colons). */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  // A record's key that fails its check carries the key's own problem inside.
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  if (issue.input === undefined && issue.code !== 'custom') return 'is required';
  return issue.message;
}

function toStore(input: StoreInput, documentOf: DocumentOf): PolicyStore {
  const storedPolicy = (policy: PolicyInput): StoredPolicy => ({
    name: policy.name ?? null,
    arn: policy.arn ?? null,
    document: documentOf(policy.document),
  });
  const organizationPolicyOf = (policy: OrganizationPolicyInput): OrganizationPolicy => ({
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

// Maps, not objects: keys come from the file and lookups from events, and "__proto__" must be a key like any other.
function mapOf<T, U>(record: Record<string, T> | undefined, convert: (value: T) => U): Map<string, U> {
  const map = new Map<string, U>();
  if (record === undefined) return map;
  for (const key of Object.keys(record)) map.set(key, convert(record[key]));
  return map;
}
