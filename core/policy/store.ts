import { z } from 'zod';
import { parsePolicyDocument, PolicyFormatError, type PrincipalElement } from './document';
import { STORE_FORMAT, type PolicyStoreFile, type StoredDocument } from './store-fragment';
import { storeOfValidatedFile, withoutBom, type PolicyStore } from './store-model';

/**
 * Reading and validating the policy store file `denyscope-policies/1` (store-model.ts: what the store holds). Pure
 * parsing and validation: the CLI reads the file. The zod schema lives here alone, so that what only reads a store
 * already validated (a scan worker) does not load zod.
 */
export * from './store-model';

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
  // The schema accepts exactly PolicyStoreFile (checked above at compile time): the value is one. Its documents, checked
  // here, are compiled again when an evaluation first reads them, as a scan worker's are.
  return storeOfValidatedFile(value as PolicyStoreFile);
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
