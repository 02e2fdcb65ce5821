import type { PolicyStore } from '../core/policy/store-model';
import { parseValidatedPolicyStore } from '../core/policy/store-model';

/**
 * The policy store file given with --policies, as read: plain data, so it can go to scan workers as it is. This module
 * reads a store already validated (cli/policies.ts validates it) and carries no zod: a scan worker loads only this.
 */
export interface PolicySource {
  readonly file: string;
  readonly text: string;
}

// One parse per source object and thread: a scan worker receives the source once and scans many files with it.
const PARSED = new WeakMap<PolicySource, PolicyStore>();

/** Keeps the store validated from a source, so that this thread reads it from there (policyStoreOf). */
export function rememberStore(source: PolicySource, store: PolicyStore): void {
  PARSED.set(source, store);
}

/**
 * The store of a source already validated by loadPolicyStore. In a scan worker (a copy of the source the main thread
 * validated) the text is read again without checking it, its documents compiled as evaluations need them.
 */
export function policyStoreOf(source: PolicySource | null): PolicyStore | null {
  if (source === null) return null;
  let store = PARSED.get(source);
  if (store === undefined) {
    store = parseValidatedPolicyStore(source.text);
    PARSED.set(source, store);
  }
  return store;
}
