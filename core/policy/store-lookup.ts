import { parseArn } from '../diagnosis/arn';
import type { PolicyStore, PrincipalEntry, ResourceEntry } from './store';

/**
 * Finding a request's principal and resource in the store. ARNs from records are not always spelt as the store spells
 * them: a session ARN gives the role without its path, and an index shares its table's policy.
 */

// Role and user names are unique within an account whatever their path, so account + kind + name finds one entry.
const PRINCIPALS_BY_NAME = new WeakMap<PolicyStore, ReadonlyMap<string, string>>();

/** The store's entry for a role or user ARN (path or not), with the ARN as the store spells it. */
export function findPrincipal(
  store: PolicyStore | null,
  arn: string | null,
): { readonly arn: string; readonly entry: PrincipalEntry } | undefined {
  if (store === null || arn === null) return undefined;
  const exact = store.principals.get(arn);
  if (exact !== undefined) return { arn, entry: exact };
  const key = nameKeyOf(arn);
  const stored = key === null ? undefined : principalsByName(store).get(key);
  const entry = stored === undefined ? undefined : store.principals.get(stored);
  return stored === undefined || entry === undefined ? undefined : { arn: stored, entry };
}

/**
 * The store's entry for a resource. DynamoDB controls index permissions with the base table's policy (DynamoDB
 * PutResourcePolicy: "You can control index permissions using the base table's policy"), so an index finds its table.
 */
export function findResource(
  store: PolicyStore | null,
  arn: string | null,
): { readonly arn: string; readonly entry: ResourceEntry } | undefined {
  if (store === null || arn === null) return undefined;
  const exact = store.resources.get(arn);
  if (exact !== undefined) return { arn, entry: exact };
  const index = /^(arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/[^/]+)\/index\/[^/]+$/.exec(arn);
  const table = index === null ? undefined : store.resources.get(index[1]);
  return index === null || table === undefined ? undefined : { arn: index[1], entry: table };
}

function principalsByName(store: PolicyStore): ReadonlyMap<string, string> {
  let index = PRINCIPALS_BY_NAME.get(store);
  if (index === undefined) {
    const built = new Map<string, string>();
    for (const arn of store.principals.keys()) {
      const key = nameKeyOf(arn);
      if (key !== null) built.set(key, arn);
    }
    PRINCIPALS_BY_NAME.set(store, built);
    index = built;
  }
  return index;
}

function nameKeyOf(arn: string): string | null {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'iam') return null;
  const [kind, ...rest] = parsed.resource.split('/');
  const name = rest[rest.length - 1];
  return (kind === 'role' || kind === 'user') && name ? `${parsed.partition}:${parsed.account}:${kind}:${name}` : null;
}
