import { InputError } from '../core/diagnosis';
import { parsePolicyStore, PolicyStoreError, type PolicyStore } from '../core/policy/store';
import { readPolicySource, rememberStore, type PolicySource } from './policies-source';

/**
 * Reads and validates the store named by --policies. Every failure is an InputError of one line naming the file and,
 * for a malformed store, the path inside it: `policies.json: principals.arn:….policies[1].document: Statement must be …`.
 */
export function loadPolicyStore(file: string): { readonly source: PolicySource; readonly store: PolicyStore } {
  const source = readPolicySource(file);
  return { source, store: validatePolicySource(source) };
}

/** Validates a store already read (readPolicySource), failing as loadPolicyStore does; this thread then reads it from here. */
export function validatePolicySource(source: PolicySource): PolicyStore {
  const store = parse(source);
  rememberStore(source, store);
  return store;
}

function parse(source: PolicySource): PolicyStore {
  try {
    return parsePolicyStore(source.text);
  } catch (error) {
    if (error instanceof PolicyStoreError) throw new InputError(source.file, error.message);
    throw error;
  }
}
