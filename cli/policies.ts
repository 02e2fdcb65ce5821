import { InputError } from '../core/diagnosis';
import { parsePolicyStore, parseValidatedPolicyStore, PolicyStoreError, type PolicyStore } from '../core/policy/store';
import { readInputFile } from './input';

/** The policy store file given with --policies, as read: plain data, so it can go to scan workers as it is. */
export interface PolicySource {
  readonly file: string;
  readonly text: string;
}

/**
 * Reads and validates the store named by --policies. Every failure is an InputError of one line naming the file and,
 * for a malformed store, the path inside it: `policies.json: principals.arn:….policies[1].document: Statement must be …`.
 */
export function loadPolicyStore(file: string): { readonly source: PolicySource; readonly store: PolicyStore } {
  const source = { file, text: readInputFile(file).toString('utf8') };
  const store = parse(source);
  PARSED.set(source, store);
  return { source, store };
}

// One parse per source object and thread: a scan worker receives the source once and scans many files with it.
const PARSED = new WeakMap<PolicySource, PolicyStore>();

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

function parse(source: PolicySource): PolicyStore {
  try {
    return parsePolicyStore(source.text);
  } catch (error) {
    if (error instanceof PolicyStoreError) throw new InputError(source.file, error.message);
    throw error;
  }
}
